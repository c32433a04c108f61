// The README's pipeline demo: TCP producers -> line service -> UDP fan-out, every line delivered.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

describe('examples/pipeline-demo.mjs', () => {
  it('delivers every produced line to every UDP subscriber and reports live throughput', () => {
    const demo = fileURLToPath(new URL('../../../examples/pipeline-demo.mjs', import.meta.url));
    const r = spawnSync(process.execPath, [demo], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, DEMO_SECONDS: '1.5', DEMO_RATE: '4000' },
    });
    if (r.status !== 0) console.error(r.stdout, r.stderr);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/in: [\d,]+ lines\/s .* out: [\d,]+ datagrams\/s/);
    const produced = Number(/produced ([\d,]+) lines/.exec(r.stdout)![1]!.replace(/,/g, ''));
    expect(produced).toBeGreaterThan(1000);
    expect(r.stdout).toContain(`the service read ${produced.toLocaleString('en')} lines`);
    expect(r.stdout.match(new RegExp(`subscriber \\d: ${produced.toLocaleString('en')} datagrams, kernel drops 0`, 'g'))).toHaveLength(3);
    expect(r.stdout).toContain('every line reached every subscriber');
    expect(r.stderr).not.toMatch(/RXSOCK_SOCKET_LEAK|Error/);
  });
});
