/**
 * Kernel modules for the initramfs: resolved with their dependencies from `modules.dep`, read
 * uncompressed (Debian ships plain `.ko` for 6.1 and `.ko.xz` for later kernels; busybox's insmod
 * is not always built to unpack them, so the host does it).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { KernelVmError, missing } from './errors.js';

/** A module name as modprobe spells it: `can-raw` and `can_raw` are the same module. */
function normalize(name: string): string {
  return name.replace(/-/g, '_');
}

function moduleName(file: string): string {
  return normalize(basename(file).replace(/\.ko(\.(xz|zst|gz))?$/, ''));
}

/** Parses `modules.dep` into name -> { path, deps (paths) }. */
export function parseModulesDep(text: string): Map<string, { path: string; deps: string[] }> {
  const out = new Map<string, { path: string; deps: string[] }>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const path = line.slice(0, colon).trim();
    const deps = line.slice(colon + 1).trim().split(/\s+/).filter(Boolean);
    out.set(moduleName(path), { path, deps });
  }
  return out;
}

/**
 * The module files (relative to the modules dir) to load for `names`, dependencies first, each
 * once. Modules built into the kernel (in `modules.builtin`) need nothing.
 */
export function moduleLoadOrder(modulesDir: string, names: readonly string[]): string[] {
  const dep = parseModulesDep(readFileSync(join(modulesDir, 'modules.dep'), 'utf8'));
  let builtin = new Set<string>();
  try {
    builtin = new Set(readFileSync(join(modulesDir, 'modules.builtin'), 'utf8').split('\n').filter(Boolean).map(moduleName));
  } catch {
    // no modules.builtin: every module must then be a file
  }
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (path: string): void => {
    if (seen.has(path)) return;
    seen.add(path);
    const entry = dep.get(moduleName(path));
    // modules.dep lists a module's dependencies so that the last one must load first.
    for (const d of [...(entry?.deps ?? [])].reverse()) visit(d);
    order.push(path);
  };
  for (const name of names) {
    const entry = dep.get(normalize(name));
    if (!entry) {
      if (builtin.has(normalize(name))) continue;
      throw new KernelVmError(`kernel VM: kernel module ${name} is not in ${modulesDir}; use a Debian linux-image-amd64 kernel`, {
        code: 'ERR_RXSOCK_VM_MISSING',
        path: join(modulesDir, 'modules.dep'),
        debianPackage: 'linux-image-amd64',
      });
    }
    visit(entry.path);
  }
  return order;
}

/** A module file's bytes, uncompressed. */
export function readModule(modulesDir: string, relPath: string): Buffer {
  const path = join(modulesDir, relPath);
  if (relPath.endsWith('.ko')) return readFileSync(path);
  if (relPath.endsWith('.gz')) return gunzipSync(readFileSync(path));
  const tool = relPath.endsWith('.xz') ? { bin: 'xz', pkg: 'xz-utils' } : relPath.endsWith('.zst') ? { bin: 'zstd', pkg: 'zstd' } : undefined;
  if (!tool) throw new KernelVmError(`kernel VM: unknown module compression: ${path}`, { code: 'ERR_RXSOCK_VM_INVALID', path });
  try {
    return execFileSync(tool.bin, ['-dc', path], { maxBuffer: 64 << 20 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw missing(`${tool.bin} (to unpack ${basename(path)})`, tool.bin, tool.pkg);
    throw e;
  }
}

/** Names of the modules every kernel VM loads: transport first, then SocketCAN. */
export const VM_MODULES = {
  /** virtio PCI, 9p over virtio, overlayfs, virtio serial ports, the virtio entropy source. */
  boot: ['virtio_pci', '9pnet_virtio', '9p', 'overlay', 'virtio_console', 'virtio_rng'],
  /** Every SocketCAN protocol and the virtual CAN devices. */
  can: ['can', 'can_raw', 'can_bcm', 'can_isotp', 'can_j1939', 'can_gw', 'vcan', 'vxcan'],
} as const;
