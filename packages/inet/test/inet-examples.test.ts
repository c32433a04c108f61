// examples/inet-echo.mjs and examples/inet-udp-multicast.mjs run and do what they print.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const run = (name: string) =>
  spawnSync(process.execPath, [fileURLToPath(new URL(`../../../examples/${name}`, import.meta.url))], { encoding: 'utf8', timeout: 30_000 });

describe('inet examples', () => {
  it('inet-echo: a dual-stack server echoes to a Happy Eyeballs client', () => {
    const r = run('inet-echo.mjs');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/server: listening on \[::\]:\d+/);
    expect(r.stdout).toContain('client: echoed back:\nHello, world\nfrom @rxsock/inet');
  });

  it('inet-udp-multicast: datagrams to a group arrive with their destination from pktinfo', () => {
    const r = run('inet-udp-multicast.mjs');
    expect(r.status).toBe(0);
    for (let i = 0; i < 3; i++) expect(r.stdout).toMatch(new RegExp(`got "datagram ${i}" from 127\\.0\\.0\\.1:\\d+ sent to 239\\.255\\.77\\.1 \\(ifindex 1\\)`));
    expect(r.stdout).toMatch(/received: 3,/);
  });
});
