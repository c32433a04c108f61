/**
 * A writer for the "newc" cpio format, the one the kernel unpacks as an initramfs. Written here
 * so that building the initramfs needs no cpio binary on the host.
 */

/** One entry of the archive. Directories must come before what they contain. */
export type CpioEntry =
  | { kind: 'dir'; path: string; mode?: number }
  | { kind: 'file'; path: string; data: Uint8Array; mode?: number }
  | { kind: 'symlink'; path: string; target: string };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

function pad4(n: number): Buffer {
  return Buffer.alloc((4 - (n % 4)) % 4);
}

function record(ino: number, mode: number, name: string, data: Uint8Array): Buffer[] {
  const nameBytes = Buffer.from(`${name}\0`, 'utf8');
  const header = Buffer.from(
    '070701' +
      [ino, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, nameBytes.length, 0].map(hex8).join(''),
    'ascii',
  );
  // The header (110 bytes) plus the name is padded to 4, then the data is padded to 4.
  return [header, nameBytes, pad4(header.length + nameBytes.length), Buffer.from(data), pad4(data.length)];
}

/** The archive's bytes, ending with the `TRAILER!!!` record. Paths are relative (`bin/sh`). */
export function cpioNewc(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  for (const e of entries) {
    const name = e.path.replace(/^\/+/, '');
    if (e.kind === 'dir') parts.push(...record(ino++, S_IFDIR | (e.mode ?? 0o755), name, new Uint8Array(0)));
    else if (e.kind === 'file') parts.push(...record(ino++, S_IFREG | (e.mode ?? 0o644), name, e.data));
    else parts.push(...record(ino++, S_IFLNK | 0o777, name, Buffer.from(e.target, 'utf8')));
  }
  parts.push(...record(0, 0, 'TRAILER!!!', new Uint8Array(0)));
  return Buffer.concat(parts);
}
