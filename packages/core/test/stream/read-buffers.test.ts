/**
 * Fresh read buffers (src/stream/read-buffers.ts): twice the chunk below the bulk rate, exactly
 * the chunk and a tuned allocator at it. Each case runs in a fresh process: the mode is per
 * process and only ever switches once.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dist = (path: string) => JSON.stringify(fileURLToPath(new URL(`../../dist/${path}`, import.meta.url)));

function runModule(body: string): string {
  const script = `
    import { tuneAllocatorForStreams } from ${dist('sys/allocator.js')};
    import { noteHandedOver, readBufferState } from ${dist('stream/read-buffers.js')};
    import { Socket, ChunkReader } from ${dist('index.js')};
    ${body}
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, RXSOCK_MALLOC_TRIM: '' }, timeout: 60_000 });
  expect(r.stderr).toBe('');
  return r.stdout.trim();
}

/**
 * Sends `bytes` through a socketpair in 1 MiB blocks, as fast as it goes or one block per
 * `paceMs`; prints what the reader's chunks were.
 */
const throughReader = (bytes: number, paceMs = 0) => `
  const [a, b] = Socket.pair();
  const reader = new ChunkReader(a);
  let received = 0;
  let firstBacking = 0;
  let lastBacking = 0;
  reader.chunks$.subscribe((chunk) => {
    received += chunk.length;
    if (chunk.length === 65536) { firstBacking ||= chunk.buffer.byteLength; lastBacking = chunk.buffer.byteLength; }
  });
  reader.request(Infinity);
  const block = Buffer.alloc(1 << 20);
  for (let sent = 0; sent < ${bytes}; sent += block.length) {
    await b.sendAll(block.subarray(0, Math.min(block.length, ${bytes} - sent)));
    if (${paceMs} > 0) await new Promise((r) => setTimeout(r, ${paceMs}));
  }
  while (received < ${bytes}) await new Promise((r) => setTimeout(r, 10));
  console.log(JSON.stringify({ received, firstBacking, lastBacking, ...readBufferState(), tunedBefore: tuneAllocatorForStreams() === 0 }));
  reader.close(); a.close(); b.close();
`;

describe('fresh read buffers', () => {
  it('below the bulk rate a full chunk sits in a buffer twice its size, and the freed heap is released every 16 MiB', () => {
    const out = JSON.parse(runModule(throughReader(80 << 20, 25)));
    // 80 MiB at 40 MiB/s, below the bulk rate (the test paces it): the freed heap went back to
    // the OS every 16 MiB handed over (a short read is copied instead).
    expect(out).toMatchObject({ received: 80 << 20, firstBacking: 2 * 65536, lastBacking: 2 * 65536, bulk: false, tunedBefore: false });
    expect(out.releases).toBeGreaterThanOrEqual(4);
    expect(out.releases).toBeLessThanOrEqual(5);
  });

  it('at 128 MiB/s (32 MiB within a quarter second) the process reads in bulk: buffers one chunk each, allocator tuned', () => {
    const out = JSON.parse(runModule(throughReader(192 << 20)));
    expect(out).toMatchObject({ received: 192 << 20, firstBacking: 2 * 65536, lastBacking: 65536, bulk: true, tunedBefore: true });
    // Released below the rate only: at most once per 16 MiB of the first 32.
    expect(out.releases).toBeLessThanOrEqual(2);
  });

  it('a reader that only waits, or reads one chunk, changes nothing', () => {
    expect(JSON.parse(runModule(throughReader(0)))).toMatchObject({ received: 0, bulk: false, tunedBefore: false });
    expect(JSON.parse(runModule(throughReader(65536)))).toEqual({ received: 65536, firstBacking: 2 * 65536, lastBacking: 2 * 65536, bulk: false, releases: 0, tunedBefore: false });
  });

  it('the rate is counted per quarter second: 80 MiB at 40 MiB/s stays below it, 32 MiB at once reaches it', () => {
    const out = runModule(`
      for (let i = 0; i < 80; i++) { noteHandedOver(1 << 20); await new Promise((r) => setTimeout(r, 25)); }
      const slow = readBufferState();
      for (let i = 0; i < 128; i++) noteHandedOver(1 << 20);
      const burst = readBufferState();
      for (let i = 0; i < 64; i++) noteHandedOver(1 << 20);
      console.log(JSON.stringify([slow, burst, readBufferState(), tuneAllocatorForStreams()]));
    `);
    // 80 MiB at 40 MiB/s, below the rate: five releases; then bulk and tuned, and no release after that.
    const [slow, burst, after, tunedAgain] = JSON.parse(out);
    expect(slow).toEqual({ bulk: false, releases: 5 });
    expect(burst.bulk).toBe(true);
    expect(after).toEqual(burst);
    expect(tunedAgain).toBe(0);
  });
});
