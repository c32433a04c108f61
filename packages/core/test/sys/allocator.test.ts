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
  it('raises glibc M_TRIM_THRESHOLD once, to 32 MiB by default', () => {
    expect(tuneAllocatorForStreams()).toBe(DEFAULT_TRIM_THRESHOLD);
    expect(tuneAllocatorForStreams()).toBe(0); // once per process
  });

  it('RXSOCK_MALLOC_TRIM sets the size in MiB, and 0 leaves the C library alone', () => {
    expect(run({ RXSOCK_MALLOC_TRIM: '8' })).toBe(`${8 << 20} 0`);
    expect(run({ RXSOCK_MALLOC_TRIM: '0' })).toBe('0 0');
  });
});
