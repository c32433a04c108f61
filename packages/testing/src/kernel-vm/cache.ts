/** The cache of built boot files (initramfs, unpacked kernel): one current file per kind and kernel. */
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `data` to `path` atomically and removes older files whose names start with `stalePrefix`
 * (earlier builds for the same kernel), so the cache does not grow with every change.
 */
export function writeCached(path: string, data: Uint8Array, stalePrefix: string): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
  for (const name of readdirSync(dir)) {
    if (name.startsWith(stalePrefix) && name !== basename(path) && !name.endsWith('.tmp')) rmSync(join(dir, name), { force: true });
  }
}
