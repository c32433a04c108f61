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

  it('a stream reader tunes at its first bulk chunk, not while it only waits', () => {
    // t() answers 0 when the process is tuned already: asked after an idle wait, and (in another
    // process) after a 64 KiB read.
    const probe = (sendBytes: number) => {
      const script = `
        import { tuneAllocatorForStreams as t } from ${JSON.stringify(allocator)};
        import { Socket, ChunkReader } from ${JSON.stringify(index)};
        const [a, b] = Socket.pair();
        const reader = new ChunkReader(a);
        reader.chunks$.subscribe(() => {});
        reader.request(Infinity);
        if (${sendBytes} > 0) await b.sendAll(Buffer.alloc(${sendBytes}));
        await new Promise((r) => setTimeout(r, 100));
        console.log(reader.buffered, t());
        reader.close(); a.close(); b.close();
      `;
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, RXSOCK_MALLOC_TRIM: '' } });
      expect(r.stderr).toBe('');
      return r.stdout.trim();
    };
    expect(probe(0)).toBe(`0 ${DEFAULT_TRIM_THRESHOLD}`);
    expect(probe(64 * 1024)).toBe('0 0');
  });
});
