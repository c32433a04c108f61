/**
 * Builds the guest's initramfs (busybox, the modules, `/init`) and caches it by kernel version
 * and content, so only the first boot on a machine pays for it.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { writeCached } from './cache.js';
import { homedir, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { cpioNewc, type CpioEntry } from './cpio.js';
import type { KernelVmHost } from './host.js';
import { INIT_SCRIPT } from './init-script.js';
import { moduleLoadOrder, readModule, VM_MODULES } from './modules.js';

/** The default cache folder: `$XDG_CACHE_HOME/rxsock/kernel-vm` or `~/.cache/...`, else a temp one. */
export function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME || (homedir() ? join(homedir(), '.cache') : tmpdir());
  return join(base, 'rxsock', 'kernel-vm');
}

/** The initramfs's path, building it when the cache has none for this host. */
export function ensureInitramfs(host: KernelVmHost, cacheDir = defaultCacheDir()): string {
  const modules = moduleLoadOrder(host.modulesDir, [...VM_MODULES.boot, ...VM_MODULES.can]);
  const bb = statSync(host.busybox);
  const key = createHash('sha256')
    .update(INIT_SCRIPT)
    .update(modules.join('\n'))
    .update(`${host.busybox}:${bb.size}:${bb.mtimeMs}`)
    .digest('hex')
    .slice(0, 16);
  const path = join(cacheDir, `initramfs-${host.kernelVersion}-${key}.cpio`);
  if (existsSync(path)) return path;

  const entries: CpioEntry[] = [
    ...['bin', 'dev', 'etc', 'proc', 'sys', 'modules'].map((d): CpioEntry => ({ kind: 'dir', path: d })),
    { kind: 'file', path: 'bin/busybox', data: readFileSync(host.busybox), mode: 0o755 },
    { kind: 'file', path: 'init', data: Buffer.from(INIT_SCRIPT), mode: 0o755 },
    // insmod takes files in load order; names are unique per kernel.
    { kind: 'file', path: 'etc/rxsock-modules', data: Buffer.from(modules.map((m) => `${basename(m).replace(/\.(xz|zst|gz)$/, '')}\n`).join('')) },
    ...modules.map((m): CpioEntry => ({ kind: 'file', path: `modules/${basename(m).replace(/\.(xz|zst|gz)$/, '')}`, data: readModule(host.modulesDir, m) })),
  ];
  writeCached(path, cpioNewc(entries), `initramfs-${host.kernelVersion}-`);
  return path;
}
