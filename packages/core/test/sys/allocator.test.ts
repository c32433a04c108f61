import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { DEFAULT_TRIM_THRESHOLD, tuneAllocatorForStreams } from '../../src/sys/allocator.js';

const allocator = fileURLToPath(new URL('../../dist/sys/allocator.js', import.meta.url));
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

  it('releaseFreedHeap gives freed heap in the middle of the heap back to the OS; RXSOCK_MALLOC_TRIM=0 keeps it', () => {
    // 64 MiB of 32 KiB buffers (below glibc's mmap threshold: heap memory), written, then freed
    // under one live buffer allocated after them, so glibc's own trimming of the top cannot
    // return them.
    const script = `
      import { releaseFreedHeap } from ${JSON.stringify(allocator)};
      let bufs = [];
      for (let i = 0; i < 2048; i++) bufs.push(Buffer.allocUnsafe(32768).fill(1));
      const keep = Buffer.allocUnsafe(32768).fill(2);
      bufs = undefined;
      globalThis.gc();
      await new Promise((r) => setTimeout(r, 200));
      const before = process.memoryUsage.rss();
      const released = releaseFreedHeap();
      console.log(JSON.stringify({ released, freedMiB: Math.round((before - process.memoryUsage.rss()) / 1048576), keep: keep[0] }));
    `;
    const runWith = (trim: string) => {
      const r = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, RXSOCK_MALLOC_TRIM: trim } });
      expect(r.stderr).toBe('');
      return JSON.parse(r.stdout.trim()) as { released: boolean; freedMiB: number };
    };
    const released = runWith('');
    expect(released.released).toBe(true);
    expect(released.freedMiB).toBeGreaterThanOrEqual(32);
    expect(runWith('0')).toMatchObject({ released: false });
  });
});
