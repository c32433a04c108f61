/**
 * Finds what the kernel VM needs on the host: qemu, a Debian kernel with its modules, and a
 * statically linked busybox. Each missing piece is a typed error naming its Debian package.
 */
import { accessSync, closeSync, constants, existsSync, openSync, readSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { KernelVmError, missing } from './errors.js';

/** Where the host's pieces are; every field can be overridden through {@link KernelVmOptions}. */
export interface KernelVmHost {
  qemu: string;
  kernel: string;
  kernelVersion: string;
  modulesDir: string;
  busybox: string;
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  for (const dir of ['/usr/bin', '/usr/sbin', '/bin', '/sbin']) {
    if (existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

function readable(what: string, path: string, debianPackage: string): void {
  if (!existsSync(path)) throw missing(what, path, debianPackage);
  try {
    accessSync(path, constants.R_OK);
  } catch {
    // Debian installs /boot/vmlinuz-* readable by root only.
    throw new KernelVmError(
      `kernel VM: ${what} at ${path} is not readable by this user; run as root or make it readable (chmod a+r ${path})`,
      { code: 'ERR_RXSOCK_VM_MISSING', path, debianPackage },
    );
  }
}

/** Compares kernel versions such as `6.1.0-57-amd64` numerically, part by part. */
function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/);
  const pb = b.split(/[.-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '';
    const y = pb[i] ?? '';
    const nx = Number(x);
    const ny = Number(y);
    const c = Number.isNaN(nx) || Number.isNaN(ny) ? x.localeCompare(y) : nx - ny;
    if (c !== 0) return c;
  }
  return 0;
}

/** The version of a `vmlinuz-<version>` file name, or undefined. */
export function kernelVersionOf(kernelPath: string): string | undefined {
  return /vmlinuz-(.+)$/.exec(kernelPath)?.[1];
}

/**
 * The newest `/boot/vmlinuz-*` whose modules are installed and include vcan (every Debian
 * `linux-image-amd64` kernel has it).
 */
export function findKernel(bootDir = '/boot', modulesRoot = '/lib/modules'): { kernel: string; version: string } {
  let names: string[] = [];
  try {
    names = readdirSync(bootDir).filter((n) => n.startsWith('vmlinuz-'));
  } catch {
    // no /boot at all: reported below
  }
  const versions = names
    .map((n) => n.slice('vmlinuz-'.length))
    .filter((v) => existsSync(join(modulesRoot, v, 'modules.dep')))
    .sort(compareVersions);
  const version = versions.at(-1);
  if (!version) throw missing('a kernel image with its modules', join(bootDir, 'vmlinuz-*'), 'linux-image-amd64');
  return { kernel: join(bootDir, `vmlinuz-${version}`), version };
}

/** Resolves the host pieces, applying overrides; throws {@link KernelVmError} for what is missing. */
export function findHost(overrides: Partial<Pick<KernelVmHost, 'qemu' | 'kernel' | 'busybox'>> = {}): KernelVmHost {
  const qemu = overrides.qemu ?? onPath('qemu-system-x86_64') ?? '/usr/bin/qemu-system-x86_64';
  if (!existsSync(qemu)) throw missing('qemu-system-x86_64', qemu, 'qemu-system-x86');
  let kernel: string;
  let kernelVersion: string;
  if (overrides.kernel) {
    kernel = overrides.kernel;
    readable('the kernel image', kernel, 'linux-image-amd64');
    const v = kernelVersionOf(kernel);
    if (!v) {
      throw new KernelVmError(`kernel VM: cannot tell the kernel version from ${kernel} (expected a name like vmlinuz-6.1.0-57-amd64)`, {
        code: 'ERR_RXSOCK_VM_INVALID',
        path: kernel,
      });
    }
    kernelVersion = v;
  } else {
    ({ kernel, version: kernelVersion } = findKernel());
    readable('the kernel image', kernel, 'linux-image-amd64');
  }
  const modulesDir = join('/lib/modules', kernelVersion);
  if (!existsSync(join(modulesDir, 'modules.dep'))) throw missing(`the modules of kernel ${kernelVersion}`, modulesDir, 'linux-image-amd64');
  // Only a static busybox runs in an initramfs with no libc.
  const busybox = overrides.busybox ?? ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p)) ?? '/bin/busybox';
  if (!existsSync(busybox)) throw missing('a static busybox', busybox, 'busybox-static');
  if (!isStaticElf(busybox)) throw missing('a static busybox', busybox, 'busybox-static', ' (the busybox there is dynamically linked)');
  return { qemu, kernel, kernelVersion, modulesDir, busybox };
}

/** True when an ELF64 file has no PT_INTERP program header, i.e. needs no dynamic loader. */
export function isStaticElf(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(4096);
    const n = readSync(fd, head, 0, head.length, 0);
    if (n < 64 || head.readUInt32BE(0) !== 0x7f454c46 || head[4] !== 2) return false;
    const phoff = Number(head.readBigUInt64LE(0x20));
    const phentsize = head.readUInt16LE(0x36);
    const phnum = head.readUInt16LE(0x38);
    const table = Buffer.alloc(phentsize * phnum);
    readSync(fd, table, 0, table.length, phoff);
    const PT_INTERP = 3;
    for (let i = 0; i < phnum; i++) if (table.readUInt32LE(i * phentsize) === PT_INTERP) return false;
    return true;
  } finally {
    closeSync(fd);
  }
}
