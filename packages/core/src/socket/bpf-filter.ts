/**
 * Classic BPF socket filters (`SO_ATTACH_FILTER`): any socket type, most used on packet sockets.
 * The program is passed as the bytes of its `struct sock_filter` array (8 bytes per
 * instruction: u16 code, u8 jt, u8 jf, u32 k, host order); building one is the family
 * packages' business.
 */
import { invalidArgument } from '../errors.js';
import { C, sys } from '../sys/index.js';
import type { Socket } from './socket.js';

/** `sizeof(struct sock_filter)`. */
export const SOCK_FILTER_SIZE = 8;
/** The kernel's limit on a classic BPF program (BPF_MAXINSNS). */
export const BPF_MAXINSNS = 4096;

/**
 * Attaches (or replaces, in one step) the socket's classic BPF filter. The kernel validates the
 * program and swaps it in atomically: each packet meets either the old filter or the new one.
 * @throws {@link SocketError} `EINVAL` for a program that is empty, too long or not a whole
 * number of instructions (and the kernel's `EINVAL` for one its verifier rejects).
 */
export function attachFilter(socket: Socket, program: Uint8Array): void {
  const count = program.byteLength / SOCK_FILTER_SIZE;
  if (!Number.isInteger(count) || count < 1 || count > BPF_MAXINSNS) {
    throw invalidArgument(`a BPF program is 1..${BPF_MAXINSNS} instructions of ${SOCK_FILTER_SIZE} bytes, got ${program.byteLength} bytes`, 'setsockopt');
  }
  const abi = sys().abi;
  // struct sock_fprog: unsigned short len, padding to the pointer, struct sock_filter *filter.
  const fprog = new Uint8Array(abi.pointerSize * 2);
  const view = new DataView(fprog.buffer);
  view.setUint16(0, count, abi.littleEndian);
  // The kernel copies the program during the call, so the bytes need to live only until it returns.
  const copy = Buffer.from(program);
  view.setBigUint64(abi.pointerSize, sys().addressOf(copy), abi.littleEndian);
  socket.setOption(C.SOL_SOCKET, C.SO_ATTACH_FILTER, fprog);
  void copy;
}

/** Removes the socket's filter (`SO_DETACH_FILTER`); ENOENT when none is attached. */
export function detachFilter(socket: Socket): void {
  socket.setOption(C.SOL_SOCKET, C.SO_DETACH_FILTER, 0);
}
