/**
 * Lays out `struct msghdr`, `struct iovec` and `struct mmsghdr` in Buffers whose pointer fields
 * hold the addresses of JS-owned memory, for sendmsg/recvmsg/sendmmsg/recvmmsg/readv/writev.
 * The Buffers referenced must stay alive until the call returns; the caller keeps them in scope.
 */
import { sys, type AbiLayout } from '../sys/index.js';

/** Writes a pointer-sized unsigned value at `offset` in host byte order. */
function setPointer(view: DataView, offset: number, value: bigint, abi: AbiLayout): void {
  view.setBigUint64(offset, value, abi.littleEndian);
}

/** Writes a size_t in host byte order. */
function setSize(view: DataView, offset: number, value: number, abi: AbiLayout): void {
  view.setBigUint64(offset, BigInt(value), abi.littleEndian);
}

/** Fills an iovec array for `buffers` into `iov` (one `struct iovec` each). */
export function writeIovecs(iov: Uint8Array, buffers: readonly Uint8Array[], abi: AbiLayout = sys().abi): void {
  const view = new DataView(iov.buffer, iov.byteOffset, iov.byteLength);
  const s = sys();
  for (let i = 0; i < buffers.length; i++) {
    const b = buffers[i]!;
    const off = i * abi.iovecSize;
    setPointer(view, off, b.byteLength === 0 ? 0n : s.addressOf(b), abi);
    setSize(view, off + abi.pointerSize, b.byteLength, abi);
  }
}

/** Allocates and fills an iovec array for `buffers`. */
export function iovecsFor(buffers: readonly Uint8Array[], abi: AbiLayout = sys().abi): Buffer {
  const iov = Buffer.alloc(Math.max(1, buffers.length) * abi.iovecSize);
  writeIovecs(iov, buffers, abi);
  return iov;
}

/** What goes into one `struct msghdr`. */
export interface MsghdrParts {
  /** sockaddr bytes (destination on send; storage on receive), or null. */
  name: Uint8Array | null;
  nameLen: number;
  /** iovec array and its count. */
  iov: Uint8Array;
  iovLen: number;
  /** control (ancillary) buffer, or null. */
  control: Uint8Array | null;
  controlLen: number;
}

/** Writes a `struct msghdr` at `offset` of `target`. */
export function writeMsghdr(target: Uint8Array, offset: number, parts: MsghdrParts, abi: AbiLayout = sys().abi): void {
  const view = new DataView(target.buffer, target.byteOffset + offset, abi.msghdrSize);
  const s = sys();
  const m = abi.msghdr;
  setPointer(view, m.name, parts.name && parts.nameLen > 0 ? s.addressOf(parts.name) : 0n, abi);
  view.setUint32(m.namelen, parts.name ? parts.nameLen : 0, abi.littleEndian);
  setPointer(view, m.iov, s.addressOf(parts.iov), abi);
  setSize(view, m.iovlen, parts.iovLen, abi);
  setPointer(view, m.control, parts.control && parts.controlLen > 0 ? s.addressOf(parts.control) : 0n, abi);
  setSize(view, m.controllen, parts.control ? parts.controlLen : 0, abi);
  view.setInt32(m.flags, 0, abi.littleEndian);
}

/** What the kernel wrote back into a `struct msghdr` after recvmsg. */
export interface MsghdrResult {
  nameLen: number;
  controlLen: number;
  flags: number;
}

/** Reads the in/out fields of a `struct msghdr` at `offset`. */
export function readMsghdr(source: Uint8Array, offset: number, abi: AbiLayout = sys().abi): MsghdrResult {
  const view = new DataView(source.buffer, source.byteOffset + offset, abi.msghdrSize);
  const m = abi.msghdr;
  return {
    nameLen: view.getUint32(m.namelen, abi.littleEndian),
    controlLen: Number(view.getBigUint64(m.controllen, abi.littleEndian)),
    flags: view.getInt32(m.flags, abi.littleEndian),
  };
}

/** Reads `msg_len` of the `index`th `struct mmsghdr` in `vec`. */
export function readMmsgLen(vec: Uint8Array, index: number, abi: AbiLayout = sys().abi): number {
  const view = new DataView(vec.buffer, vec.byteOffset, vec.byteLength);
  return view.getUint32(index * abi.mmsghdrSize + abi.mmsgLenOffset, abi.littleEndian);
}
