// `pnpm demo`: Python's echo example in rxsock, then a live TCP -> lines -> UDP fan-out pipeline.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

let failed = false;
for (const name of ['echo-demo.mjs', 'pipeline-demo.mjs']) {
  console.log(`\n=== ${name}`);
  const r = spawnSync(process.execPath, [fileURLToPath(new URL(name, import.meta.url))], { stdio: 'inherit' });
  failed ||= r.status !== 0;
}
process.exit(failed ? 1 : 0);
