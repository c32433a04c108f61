// Tests that spawn child processes (examples, benchmarks-as-tests, GC and exit checks) run the
// built JavaScript; build it once, incrementally, before any test file starts.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export default function setup(): void {
  const root = dirname(fileURLToPath(import.meta.url));
  // `pnpm test` has just built everything; RXSOCK_SKIP_BUILD=1 skips this when iterating.
  if (!process.env.RXSOCK_SKIP_BUILD) {
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b', join(root, 'tsconfig.build.json')], {
      stdio: 'inherit',
    });
  }
  // The packages' "exports" load dist/index.bundle.js: remade whenever dist is newer, even with
  // RXSOCK_SKIP_BUILD (a package built with `tsc -b packages/NAME` alone has a stale bundle).
  execFileSync(process.execPath, [join(root, 'scripts/bundle.mjs'), '--if-stale', '--quiet'], { stdio: 'inherit' });
}
