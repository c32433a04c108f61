// The README's demo (Python's echo example in rxsock) runs and exchanges what it says it does.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

describe('examples/echo-demo.mjs', () => {
  it('echoes every line back and closes cleanly', () => {
    const demo = fileURLToPath(new URL('../../../../examples/echo-demo.mjs', import.meta.url));
    const r = spawnSync(process.execPath, [demo], { encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(0);
    for (const line of ['Hello, world', 'from rxsock', 'over a real kernel socket']) {
      expect(r.stdout).toContain(`server: echoing ${JSON.stringify(line)}`);
      expect(r.stdout).toContain(`client: received ${JSON.stringify(line)}`);
    }
    expect(r.stdout).toMatch(/server: connected by \{ family: 'inet', host: '127\.0\.0\.1', port: \d+ \}/);
    expect(r.stdout).toContain('server: client closed the connection');
  });
});
