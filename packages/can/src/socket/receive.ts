/**
 * Frames straight out of a `recvmmsg` batch: the frame structure, the sender's `sockaddr_can`
 * (the interface), `msg_flags` (own / local) and the timestamps in the control messages of the
 * same call. One object per frame; the payloads of a batch share one allocation.
 */
import { C, cmsgLen, cmsgSpace, hostIsLittleEndian, type DatagramDecoder, type MessageBatch } from '@rxsock/core';
import { readCanFrame, type PayloadStore } from '../codec/frame-codec.js';
import { CANFD_MTU, type CanReceiveInfo, type ReceivedCanFrame } from '../codec/frame.js';
import type { CanAddress } from '../codec/address.js';
import { SO_TIMESTAMPING } from './constants.js';
import { InterfaceNames } from './interface.js';

/** The receive info being filled for the current frame (one per decoder, reused). */
type MutableInfo = { -readonly [K in keyof CanReceiveInfo]: CanReceiveInfo[K] };

const MSG_CONFIRM = C.MSG_CONFIRM;
const MSG_DONTROUTE = C.MSG_DONTROUTE;
const SOL_SOCKET = C.SOL_SOCKET;
const SCM_TIMESTAMPNS = C.SCM_TIMESTAMPNS;

/** @internal Decodes a CAN_RAW socket's receive batches for core's DatagramReader. */
export class CanFrameDecoder implements DatagramDecoder<ReceivedCanFrame> {
  private readonly info: MutableInfo = {
    ifindex: 0, interfaceName: '', own: false, local: false,
    timestampSec: 0, timestampNsec: 0, hwTimestampSec: 0, hwTimestampNsec: 0,
  };
  private readonly store: PayloadStore = { bytes: new Uint8Array(0), used: 0 };
  private readonly names: InterfaceNames;
  private lastAddress: unknown;
  private controlView: DataView | undefined;
  /** Where a control message's data starts (the aligned `struct cmsghdr`: 16 on 64-bit Linux). */
  private readonly cmsgHeader = cmsgLen(0);
  private readonly cmsgAlign = cmsgSpace(1) - cmsgLen(0);

  constructor(names: InterfaceNames = new InterfaceNames()) {
    this.names = names;
  }

  begin(batch: MessageBatch, count: number): void {
    // One allocation for the batch's payloads, sized without reading each length: 64 bytes a
    // frame (an FD frame's most) on an FD socket, 8 (a classic frame's) otherwise; XL frames
    // (up to 2048) are measured.
    const perFrame = batch.slotSize > CANFD_MTU ? 0 : batch.slotSize === CANFD_MTU ? 64 : 8;
    let total = perFrame * count;
    if (perFrame === 0) for (let i = 0; i < count; i++) total += Math.min(batch.length(i), batch.slotSize);
    this.store.bytes = new Uint8Array(total);
    this.store.used = 0;
    const controls = batch.controlBuffer;
    if (controls && this.controlView?.buffer !== controls.buffer) this.controlView = new DataView(controls.buffer, controls.byteOffset, controls.byteLength);
  }

  decode(batch: MessageBatch, i: number): ReceivedCanFrame {
    const info = this.info;
    const address = batch.address(i) as CanAddress | null;
    if (address !== this.lastAddress) {
      // MessageBatch hands back the same object for the same sender: one lookup per interface change.
      this.lastAddress = address;
      info.ifindex = address ? address.ifindex : 0;
      info.interfaceName = address ? this.names.name(address.ifindex) : '';
    }
    const flags = batch.flags(i);
    info.own = (flags & MSG_CONFIRM) !== 0;
    info.local = (flags & MSG_DONTROUTE) !== 0;
    info.timestampSec = info.timestampNsec = info.hwTimestampSec = info.hwTimestampNsec = 0;
    if (this.controlView) this.readControl(batch, i);
    const length = Math.min(batch.length(i), batch.slotSize);
    return readCanFrame(batch.payload, i * batch.slotSize, length, hostIsLittleEndian, this.store, info) as ReceivedCanFrame;
  }

  /** Walks message `i`'s control messages in place for the timestamps. */
  private readControl(batch: MessageBatch, i: number): void {
    const len = batch.controlLength(i);
    if (len === 0) return;
    const view = this.controlView!;
    const base = i * batch.controlSlotSize;
    const end = base + Math.min(len, batch.controlSlotSize);
    const header = this.cmsgHeader;
    const lenBytes = header - 8;
    const le = hostIsLittleEndian;
    for (let off = base; off + header <= end; ) {
      const cmsgLen = lenBytes === 8 ? view.getUint32(le ? off : off + 4, le) : view.getUint32(off, le);
      if (cmsgLen < header) return;
      const level = view.getInt32(off + lenBytes, le);
      const type = view.getInt32(off + lenBytes + 4, le);
      const data = off + header;
      if (level === SOL_SOCKET) {
        if (type === SCM_TIMESTAMPNS && data + 16 <= end) {
          this.info.timestampSec = readI64(view, data, le);
          this.info.timestampNsec = readI64(view, data + 8, le);
        } else if (type === SO_TIMESTAMPING && data + 48 <= end) {
          // [0] software, [1] legacy, [2] raw hardware
          const sec = readI64(view, data, le);
          if (sec !== 0 && this.info.timestampSec === 0) {
            this.info.timestampSec = sec;
            this.info.timestampNsec = readI64(view, data + 8, le);
          }
          this.info.hwTimestampSec = readI64(view, data + 32, le);
          this.info.hwTimestampNsec = readI64(view, data + 40, le);
        }
      }
      off += Math.ceil(cmsgLen / this.cmsgAlign) * this.cmsgAlign;
    }
  }
}

/** A 64-bit time field as a number (exact for every time until the year 285,000,000). */
function readI64(view: DataView, at: number, le: boolean): number {
  const lo = view.getUint32(le ? at : at + 4, le);
  const hi = view.getInt32(le ? at + 4 : at, le);
  return hi * 0x100000000 + lo;
}
