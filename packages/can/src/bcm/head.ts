import { decodeError, hostIsLittleEndian, invalidArgument } from '@rxsock/core';
import { readCanFrame, writeCanFrame } from '../codec/frame-codec.js';
import { CANFD_MTU, CAN_MTU, type CanFdFrame, type ClassicCanFrame } from '../codec/frame.js';
import { BCM_MAX_NFRAMES, BcmFlag } from './constants.js';

/**
 * The ABI a `bcm_msg_head` is laid out for. `lp64` (x86-64, arm64): 56 bytes, with 4 bytes of
 * padding after `count` so the 64-bit `timeval`s are aligned. `ilp32` (i386, arm): 40 bytes,
 * 32-bit `timeval`s, the frames aligned to 8.
 */
export type BcmAbi = 'lp64' | 'ilp32';

interface HeadLayout {
  readonly size: number;
  readonly ival1: number;
  readonly ival2: number;
  readonly timeWord: 4 | 8;
  readonly canId: number;
  readonly nframes: number;
}

const LAYOUTS: Record<BcmAbi, HeadLayout> = {
  lp64: { size: 56, ival1: 16, ival2: 32, timeWord: 8, canId: 48, nframes: 52 },
  ilp32: { size: 40, ival1: 12, ival2: 20, timeWord: 4, canId: 28, nframes: 32 },
};

/** The ABI of the running process. */
export const hostBcmAbi: BcmAbi = process.arch === 'ia32' || process.arch === 'arm' ? 'ilp32' : 'lp64';

/** Size of a `bcm_msg_head` for an ABI (the frames follow it). */
export function bcmHeadSize(abi: BcmAbi = hostBcmAbi): number {
  return LAYOUTS[abi].size;
}

/** A BCM message: a `bcm_msg_head` and its frames, all classic or all CAN FD (`CAN_FD_FRAME`). */
export interface BcmMessage {
  readonly opcode: number;
  readonly flags: number;
  /** Frames sent at `ival1` before switching to `ival2` (TX_SETUP). */
  readonly count: number;
  /** First interval, microseconds (a `timeval` on the wire). */
  readonly ival1Us: number;
  /** Second interval, microseconds: the cycle after `count` frames (TX) or the throttle (RX). */
  readonly ival2Us: number;
  /** The `can_id` word: the identifier with `CAN_EFF_FLAG` for an extended one. */
  readonly canId: number;
  readonly frames: readonly (ClassicCanFrame | CanFdFrame)[];
}

function checkCount(value: number, what: string, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) throw invalidArgument(`bcm_msg_head: ${what} ${String(value)} out of range 0..${max}`);
}

/**
 * Lays out a BCM message. Frames must all be classic, or all FD with `CAN_FD_FRAME` in `flags`.
 * @throws a `SocketError` `EINVAL` for a field out of range or mixed frame kinds.
 */
export function encodeBcmMessage(message: BcmMessage, abi: BcmAbi = hostBcmAbi, littleEndian = hostIsLittleEndian): Uint8Array {
  const layout = LAYOUTS[abi];
  const fd = (message.flags & BcmFlag.CAN_FD_FRAME) !== 0;
  const frameSize = fd ? CANFD_MTU : CAN_MTU;
  if (message.frames.length > BCM_MAX_NFRAMES) throw invalidArgument(`bcm_msg_head: ${message.frames.length} frames, at most ${BCM_MAX_NFRAMES}`);
  for (const f of message.frames) {
    if ((f.kind === 'fd') !== fd) throw invalidArgument(`bcm_msg_head: a ${f.kind} frame in a message ${fd ? 'with' : 'without'} CAN_FD_FRAME`);
  }
  checkCount(message.opcode, 'opcode', 0xffffffff);
  checkCount(message.flags, 'flags', 0xffffffff);
  checkCount(message.count, 'count', 0xffffffff);
  checkCount(message.canId, 'can_id', 0xffffffff);
  const timeMax = layout.timeWord === 8 ? Number.MAX_SAFE_INTEGER : 0x7fffffff * 1e6;
  checkCount(message.ival1Us, 'ival1', timeMax);
  checkCount(message.ival2Us, 'ival2', timeMax);
  const bytes = new Uint8Array(layout.size + frameSize * message.frames.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, message.opcode, littleEndian);
  view.setUint32(4, message.flags, littleEndian);
  view.setUint32(8, message.count, littleEndian);
  writeTimeval(view, layout, layout.ival1, message.ival1Us, littleEndian);
  writeTimeval(view, layout, layout.ival2, message.ival2Us, littleEndian);
  view.setUint32(layout.canId, message.canId, littleEndian);
  view.setUint32(layout.nframes, message.frames.length, littleEndian);
  message.frames.forEach((f, i) => writeCanFrame(f, bytes, layout.size + i * frameSize, littleEndian));
  return bytes;
}

function writeTimeval(view: DataView, layout: HeadLayout, at: number, us: number, littleEndian: boolean): void {
  const sec = Math.floor(us / 1e6);
  const usec = us - sec * 1e6;
  if (layout.timeWord === 8) {
    view.setBigInt64(at, BigInt(sec), littleEndian);
    view.setBigInt64(at + 8, BigInt(usec), littleEndian);
  } else {
    view.setInt32(at, sec, littleEndian);
    view.setInt32(at + 4, usec, littleEndian);
  }
}

function readTimeval(view: DataView, layout: HeadLayout, at: number, littleEndian: boolean): number {
  if (layout.timeWord === 8) return Number(view.getBigInt64(at, littleEndian)) * 1e6 + Number(view.getBigInt64(at + 8, littleEndian));
  return view.getInt32(at, littleEndian) * 1e6 + view.getInt32(at + 4, littleEndian);
}

/**
 * Reads a BCM message, as the kernel sends them (RX_CHANGED, RX_TIMEOUT, TX_EXPIRED, *_STATUS).
 * @throws a `SocketError` `ERR_RXSOCK_DECODE` when the bytes are shorter than the head, or the
 * frames the head announces do not fill the rest exactly.
 */
export function decodeBcmMessage(bytes: Uint8Array, length = bytes.length, abi: BcmAbi = hostBcmAbi, littleEndian = hostIsLittleEndian): BcmMessage {
  const layout = LAYOUTS[abi];
  if (length > bytes.length) throw decodeError(`bcm_msg_head: length ${length} beyond the ${bytes.length} bytes given`);
  if (length < layout.size) throw decodeError(`bcm_msg_head: ${length} bytes is shorter than the ${layout.size}-byte head`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, length);
  const flags = view.getUint32(4, littleEndian);
  const nframes = view.getUint32(layout.nframes, littleEndian);
  const fd = (flags & BcmFlag.CAN_FD_FRAME) !== 0;
  const frameSize = fd ? CANFD_MTU : CAN_MTU;
  if (nframes > BCM_MAX_NFRAMES || layout.size + nframes * frameSize !== length) {
    throw decodeError(`bcm_msg_head: ${nframes} ${fd ? 'FD ' : ''}frames do not fill the ${length - layout.size} bytes after the head`);
  }
  const frames: (ClassicCanFrame | CanFdFrame)[] = [];
  for (let i = 0; i < nframes; i++) {
    frames.push(readCanFrame(bytes, layout.size + i * frameSize, frameSize, littleEndian, null, null) as ClassicCanFrame | CanFdFrame);
  }
  return {
    opcode: view.getUint32(0, littleEndian),
    flags,
    count: view.getUint32(8, littleEndian),
    ival1Us: readTimeval(view, layout, layout.ival1, littleEndian),
    ival2Us: readTimeval(view, layout, layout.ival2, littleEndian),
    canId: view.getUint32(layout.canId, littleEndian),
    frames,
  };
}
