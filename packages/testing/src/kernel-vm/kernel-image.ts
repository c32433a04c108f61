/**
 * The kernel image qemu boots. A Debian `vmlinuz` decompresses itself before the kernel starts,
 * which under software emulation took 23-26 s of a boot here; the same kernel unpacked once on
 * the host (an ELF `vmlinux`, booted through its PVH entry point) starts in 3-8 s. The unpacked
 * image is cached beside the initramfs; when it cannot be made, the `vmlinuz` is booted as is.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { writeCached } from './cache.js';

const XZ_MAGIC = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]);
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b, 0x08]);

/** True when the kernel's config says it has a PVH entry point (`CONFIG_PVH=y`). */
function hasPvh(kernelVersion: string): boolean {
  try {
    return /^CONFIG_PVH=y$/m.test(readFileSync(`/boot/config-${kernelVersion}`, 'utf8'));
  } catch {
    return false;
  }
}

/** The ELF inside a bzImage, or undefined when its compression is not one handled here. */
function unpack(image: Buffer): Buffer | undefined {
  const xz = image.indexOf(XZ_MAGIC);
  if (xz >= 0) {
    try {
      // --single-stream: the bzImage continues after the compressed kernel.
      return execFileSync('xz', ['-dc', '--single-stream'], { input: image.subarray(xz), maxBuffer: 512 << 20, stdio: ['pipe', 'pipe', 'ignore'] });
    } catch {
      return undefined;
    }
  }
  const gz = image.indexOf(GZIP_MAGIC);
  if (gz >= 0) {
    try {
      return gunzipSync(image.subarray(gz));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The path to boot: a cached unpacked `vmlinux` when possible, else `kernel` itself. */
export function bootableKernel(kernel: string, kernelVersion: string, cacheDir: string): string {
  if (!hasPvh(kernelVersion)) return kernel;
  const st = statSync(kernel);
  const path = join(cacheDir, `vmlinux-${kernelVersion}-${st.size}-${Math.floor(st.mtimeMs)}`);
  if (existsSync(path)) return path;
  const elf = unpack(readFileSync(kernel));
  if (!elf || elf.readUInt32BE(0) !== 0x7f454c46) return kernel;
  writeCached(path, elf, `vmlinux-${kernelVersion}-`);
  return path;
}
