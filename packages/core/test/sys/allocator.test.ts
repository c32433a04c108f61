import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DEFAULT_TRIM_THRESHOLD, tuneAllocatorForStreams } from '../../src/sys/allocator.js';

const allocator = fileURLToPath(new URL('../../dist/sys/allocator.js', import.meta.url));
const index = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
const run = (env: Record<string, string>) =>
  spawnSync(process.execPath, ['--input-type=module', '-e', `import { tuneAllocatorForStreams as t } from ${JSON.stringify(allocator)}; console.log(t(), t());`], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  }).stdout.trim();

describe('allocator tuning for stream reads', () => {
  it('raises glibc M_TRIM_THRESHOLD once, to 64 MiB by default', () => {
    expect(tuneAllocatorForStreams()).toBe(DEFAULT_TRIM_THRESHOLD);
    expect(tuneAllocatorForStreams()).toBe(0); // once per process
  });

  it('RXSOCK_MALLOC_TRIM sets the size in MiB, and 0 leaves the C library alone', () => {
    expect(run({ RXSOCK_MALLOC_TRIM: '8' })).toBe(`${8 << 20} 0`);
    expect(run({ RXSOCK_MALLOC_TRIM: '0' })).toBe('0 0');
  });

  it('a stream reader tunes once 128 MiB of fresh buffers came within a second: not while it waits, not for one bulk chunk', () => {
    // t() answers 0 when the process is tuned already: asked after an idle wait, after one 64 KiB
    // read, and after 160 MiB read as fast as a socketpair goes (all in fresh processes).
    const probe = (sendBytes: number) => {
      const script = `
        import { tuneAllocatorForStreams as t } from ${JSON.stringify(allocator)};
        import { Socket, ChunkReader } from ${JSON.stringify(index)};
        const [a, b] = Socket.pair();
        const reader = new ChunkReader(a);
        let received = 0;
        reader.chunks$.subscribe((chunk) => { received += chunk.length; });
        reader.request(Infinity);
        const block = Buffer.alloc(1 << 20);
        for (let sent = 0; sent < ${sendBytes}; sent += block.length) await b.sendAll(block.subarray(0, Math.min(block.length, ${sendBytes} - sent)));
        while (received < ${sendBytes}) await new Promise((r) => setTimeout(r, 10));
        console.log(received, t());
        reader.close(); a.close(); b.close();
      `;
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, RXSOCK_MALLOC_TRIM: '' } });
      expect(r.stderr).toBe('');
      return r.stdout.trim();
    };
    expect(probe(0)).toBe(`0 ${DEFAULT_TRIM_THRESHOLD}`);
    expect(probe(64 * 1024)).toBe(`${64 * 1024} ${DEFAULT_TRIM_THRESHOLD}`);
    expect(probe(160 << 20)).toBe(`${160 << 20} 0`);
  });

  it('the rate is counted over one second: bulk chunks at a slow pace never tune', () => {
    // In a fresh process (the first test tuned vitest's worker): 1 MiB every 50 ms is 20 MiB/s.
    const script = `
      import { noteFreshReadBuffer, tuneAllocatorForStreams as t } from ${JSON.stringify(allocator)};
      for (let i = 0; i < 40; i++) { noteFreshReadBuffer(1 << 20); await new Promise((r) => setTimeout(r, 50)); }
      const slow = t();
      for (let i = 0; i < 128; i++) noteFreshReadBuffer(1 << 20);
      console.log(slow, t());
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, RXSOCK_MALLOC_TRIM: '' } });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(`${DEFAULT_TRIM_THRESHOLD} 0`);
  });
});
