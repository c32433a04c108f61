/**
 * A reusable set of buffers and `struct mmsghdr`s for `recvmmsg`: one allocation up front, one
 * system call per batch, no garbage per datagram. The datagram sources of the stream layer and
 * the family packages (UDP, CAN, packet) read through it.
 */
import { decodeSockaddr } from '../codec/sockaddr.js';
import type { SocketAddress } from '../codec/address.js';
import { decodeControl, type ControlMessage } from '../codec/cmsg.js';
import { C, sys, type AbiLayout } from '../sys/index.js';
import { writeIovecs, writeMsghdr } from './messages.js';

/** One message copied out of a batch. */
export interface ReceivedMessage {
  data: Buffer;
  address: SocketAddress | null;
  ancillary: ControlMessage[];
  flags: number;
}

/** Options of a {@link MessageBatch}. */
export interface MessageBatchOptions {
  /** Record each sender's address (default true). */
  addresses?: boolean;
  /** Bytes of ancillary data per message (size it with `CMSG_SPACE`), default 0. */
  controlSize?: number;
}

const NAME_SIZE = 128;
const NO_ANCILLARY: ControlMessage[] = Object.freeze([]) as unknown as ControlMessage[];

/** Preallocated buffers for receiving up to `capacity` messages in one `recvmmsg`. */
export class MessageBatch {
  /** All payload slots, `capacity × slotSize` bytes. */
  readonly payload: Buffer;
  private readonly vec: Buffer;
  private readonly view: DataView;
  private readonly abi: AbiLayout;
  private readonly names: Buffer | null;
  private readonly controls: Buffer | null;
  private readonly controlSize: number;
  /** `controlSize` as the 64-bit value msg_controllen is reset to (made once, not per message). */
  private readonly controlLen64: bigint;
  /** Entries the last receive filled (their in/out fields need resetting before the next). */
  private used = 0;
  // The last decoded sender: consecutive datagrams from one peer share one address object.
  private readonly lastName = new Uint8Array(NAME_SIZE);
  private lastNameSize = -1;
  private lastAddress: SocketAddress | null = null;
  /** The name slots and the last name as 32-bit words: the same-sender check per message is a few word compares. */
  private nameWords: Uint32Array | undefined;
  private readonly lastNameWords = new Uint32Array(this.lastName.buffer);
  private controlView: DataView | undefined;

  constructor(
    /** Messages per system call. */
    readonly capacity: number,
    /** Bytes per message slot; a longer datagram is truncated (MSG_TRUNC in its flags). */
    readonly slotSize: number,
    options: MessageBatchOptions = {},
  ) {
    const abi = (this.abi = sys().abi);
    this.payload = Buffer.alloc(capacity * slotSize);
    this.vec = Buffer.alloc(capacity * abi.mmsghdrSize);
    this.view = new DataView(this.vec.buffer, this.vec.byteOffset, this.vec.byteLength);
    const iovs = Buffer.alloc(capacity * abi.iovecSize);
    this.names = options.addresses === false ? null : Buffer.alloc(capacity * NAME_SIZE);
    this.controlSize = options.controlSize ?? 0;
    this.controlLen64 = BigInt(this.controlSize);
    this.controls = this.controlSize > 0 ? Buffer.alloc(capacity * this.controlSize) : null;
    const slots = Array.from({ length: capacity }, (_, i) => this.payload.subarray(i * slotSize, (i + 1) * slotSize));
    writeIovecs(iovs, slots, abi);
    // The pointers never change; only the lengths the kernel overwrites are reset per receive.
    const cs = this.controlSize;
    for (let i = 0; i < capacity; i++) {
      writeMsghdr(
        this.vec,
        i * abi.mmsghdrSize,
        {
          name: this.names ? this.names.subarray(i * NAME_SIZE, (i + 1) * NAME_SIZE) : null,
          nameLen: this.names ? NAME_SIZE : 0,
          iov: iovs.subarray(i * abi.iovecSize),
          iovLen: 1,
          control: this.controls ? this.controls.subarray(i * cs, (i + 1) * cs) : null,
          controlLen: cs,
        },
        abi,
      );
    }
    // keep the iovec array alive as long as the headers that point at it
    this.iovs = iovs;
  }

  private readonly iovs: Buffer;

  /** @internal One `recvmmsg` on `fd`; returns what it returns. */
  receive(fd: number, flags: number): number {
    const { view, abi } = this;
    const m = abi.msghdr;
    const le = abi.littleEndian;
    for (let i = 0; i < this.used; i++) {
      const base = i * abi.mmsghdrSize;
      if (this.names) view.setUint32(base + m.namelen, NAME_SIZE, le);
      if (this.controls) view.setBigUint64(base + m.controllen, this.controlLen64, le);
    }
    const n = sys().recvmmsg(fd, this.vec, this.capacity, flags);
    this.used = n > 0 ? n : 0;
    return n;
  }

  /**
   * @internal Message `i` of this receive holds `length` bytes written into its payload slot by
   * the caller (bytes a stream socket had already taken from the kernel): no address, no
   * ancillary data, no flags.
   */
  placeReceived(i: number, length: number): void {
    const { view, abi } = this;
    const base = i * abi.mmsghdrSize;
    const le = abi.littleEndian;
    view.setUint32(base + abi.mmsgLenOffset, length, le);
    if (this.names) view.setUint32(base + abi.msghdr.namelen, 0, le);
    if (this.controls) view.setBigUint64(base + abi.msghdr.controllen, 0n, le);
    view.setInt32(base + abi.msghdr.flags, 0, le);
    this.used = Math.max(this.used, i + 1);
  }

  /** @internal The payload slot of message `i`, to write into. */
  slot(i: number): Buffer {
    return this.payload.subarray(i * this.slotSize, (i + 1) * this.slotSize);
  }

  /** Payload of message `i` of the last receive, as a view into the batch (valid until the next receive). */
  data(i: number): Buffer {
    const start = i * this.slotSize;
    return this.payload.subarray(start, start + Math.min(this.length(i), this.slotSize));
  }

  /** Length the datagram had on the wire (may exceed `slotSize` when truncated). */
  length(i: number): number {
    return this.view.getUint32(i * this.abi.mmsghdrSize + this.abi.mmsgLenOffset, this.abi.littleEndian);
  }

  /** `msg_flags` of message `i`. */
  flags(i: number): number {
    return this.view.getInt32(i * this.abi.mmsghdrSize + this.abi.msghdr.flags, this.abi.littleEndian);
  }

  /**
   * Sender of message `i`, or null without addresses. Consecutive messages from the same sender
   * return the same (frozen) object, so a flood from one peer decodes its address once.
   */
  address(i: number): SocketAddress | null {
    if (!this.names) return null;
    const len = this.view.getUint32(i * this.abi.mmsghdrSize + this.abi.msghdr.namelen, this.abi.littleEndian);
    if (len === 0) return null;
    const size = Math.min(len, NAME_SIZE);
    const start = i * NAME_SIZE;
    if (this.sameAsLastName(start, size)) return this.lastAddress;
    const name = this.names.subarray(start, start + size);
    this.lastAddress = Object.freeze(decodeSockaddr(name, size));
    this.lastName.set(name);
    this.lastNameSize = size;
    return this.lastAddress;
  }

  private sameAsLastName(start: number, size: number): boolean {
    if (size !== this.lastNameSize) return false;
    const names = this.names!;
    // Slots are NAME_SIZE (128) bytes into a buffer of their own: word-aligned.
    const words = (this.nameWords ??= new Uint32Array(names.buffer, names.byteOffset, names.byteLength >>> 2));
    const last = this.lastNameWords;
    const first = start >>> 2;
    const whole = size >>> 2;
    for (let k = 0; k < whole; k++) if (words[first + k] !== last[k]) return false;
    for (let k = whole << 2; k < size; k++) if (names[start + k] !== this.lastName[k]) return false;
    return true;
  }

  get controlBuffer(): Buffer | null {
    return this.controls;
  }

  /** Bytes of ancillary-data space per message (the `controlSize` option). */
  get controlSlotSize(): number {
    return this.controlSize;
  }

  /** Bytes of ancillary data the kernel wrote for message `i`. */
  controlLength(i: number): number {
    if (!this.controls) return 0;
    // Two 32-bit reads rather than getBigUint64: no BigInt per message on the receive path.
    const at = i * this.abi.mmsghdrSize + this.abi.msghdr.controllen;
    const le = this.abi.littleEndian;
    const lo = this.view.getUint32(le ? at : at + 4, le);
    const hi = this.view.getUint32(le ? at + 4 : at, le);
    return hi * 0x100000000 + lo;
  }

  /** Ancillary data of message `i`, decoded (a shared empty array when there is none). */
  ancillary(i: number): ControlMessage[] {
    const len = this.controlLength(i);
    if (len === 0) return NO_ANCILLARY;
    const cs = this.controlSize;
    return decodeControl(this.controls!.subarray(i * cs, (i + 1) * cs), len);
  }

  /**
   * The kernel's cumulative drop counter (SO_RXQ_OVFL) carried by message `i`, or -1 when that
   * message carries none; read without decoding the other control messages.
   */
  dropCount(i: number): number {
    const len = this.controlLength(i);
    if (len === 0) return -1;
    const abi = this.abi;
    // One view over all control slots, made once; 32-bit reads only (no BigInt per batch).
    const view = (this.controlView ??= new DataView(this.controls!.buffer, this.controls!.byteOffset, this.controls!.byteLength));
    const base = i * this.controlSize;
    const end = base + Math.min(len, this.controlSize);
    const le = abi.littleEndian;
    const lenBytes = abi.cmsghdrSize - 8; // cmsg_len is a size_t (Linux) or socklen_t (BSD)
    for (let off = base; off + abi.cmsghdrSize <= end; ) {
      // a size_t cmsg_len: its low half is enough, a control message is far below 4 GiB
      const cmsgLen = lenBytes === 8 ? view.getUint32(le ? off : off + 4, le) : view.getUint32(off, le);
      if (cmsgLen < abi.cmsghdrSize) return -1;
      const level = view.getInt32(off + lenBytes, le);
      const type = view.getInt32(off + lenBytes + 4, le);
      if (level === C.SOL_SOCKET && type === C.SO_RXQ_OVFL && off + abi.cmsghdrSize + 4 <= end) {
        return view.getUint32(off + abi.cmsghdrSize, le);
      }
      off += Math.ceil(cmsgLen / abi.cmsgAlign) * abi.cmsgAlign;
    }
    return -1;
  }

  /** Copies the first `n` messages out, so they outlive the next receive. */
  copyOut(n: number): ReceivedMessage[] {
    const out: ReceivedMessage[] = [];
    for (let i = 0; i < n; i++) {
      out.push({ data: Buffer.from(this.data(i)), address: this.address(i), ancillary: this.ancillary(i), flags: this.flags(i) });
    }
    return out;
  }
}
