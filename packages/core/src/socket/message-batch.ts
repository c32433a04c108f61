/**
 * A reusable set of buffers and `struct mmsghdr`s for `recvmmsg`: one allocation up front, one
 * system call per batch, no garbage per datagram. The datagram sources of the stream layer and
 * the family packages (UDP, CAN, packet) read through it.
 */
import { decodeSockaddr } from '../codec/sockaddr.js';
import type { SocketAddress } from '../codec/address.js';
import { decodeControl, type ControlMessage } from '../codec/cmsg.js';
import { sys } from '../sys/index.js';
import { readMmsgLen, writeIovecs, writeMsghdr, readMsghdr } from './messages.js';

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

/** Preallocated buffers for receiving up to `capacity` messages in one `recvmmsg`. */
export class MessageBatch {
  /** All payload slots, `capacity × slotSize` bytes. */
  readonly payload: Buffer;
  private readonly vec: Buffer;
  private readonly iovs: Buffer;
  private readonly names: Buffer | null;
  private readonly controls: Buffer | null;

  constructor(
    /** Messages per system call. */
    readonly capacity: number,
    /** Bytes per message slot; a longer datagram is truncated (MSG_TRUNC in its flags). */
    readonly slotSize: number,
    private readonly options: MessageBatchOptions = {},
  ) {
    const abi = sys().abi;
    this.payload = Buffer.alloc(capacity * slotSize);
    this.vec = Buffer.alloc(capacity * abi.mmsghdrSize);
    this.iovs = Buffer.alloc(capacity * abi.iovecSize);
    this.names = options.addresses === false ? null : Buffer.alloc(capacity * NAME_SIZE);
    const cs = options.controlSize ?? 0;
    this.controls = cs > 0 ? Buffer.alloc(capacity * cs) : null;
    const slots = Array.from({ length: capacity }, (_, i) => this.payload.subarray(i * slotSize, (i + 1) * slotSize));
    writeIovecs(this.iovs, slots, abi);
    this.prepare(capacity);
  }

  /** Rewrites the in/out header fields the kernel overwrote on the last call. */
  private prepare(count: number): void {
    const abi = sys().abi;
    const cs = this.options.controlSize ?? 0;
    for (let i = 0; i < count; i++) {
      writeMsghdr(
        this.vec,
        i * abi.mmsghdrSize,
        {
          name: this.names ? this.names.subarray(i * NAME_SIZE, (i + 1) * NAME_SIZE) : null,
          nameLen: this.names ? NAME_SIZE : 0,
          iov: this.iovs.subarray(i * abi.iovecSize),
          iovLen: 1,
          control: this.controls ? this.controls.subarray(i * cs, (i + 1) * cs) : null,
          controlLen: cs,
        },
        abi,
      );
    }
  }

  private used = 0;

  /** @internal One `recvmmsg` on `fd`; returns what it returns. */
  receive(fd: number, flags: number): number {
    if (this.used > 0) this.prepare(this.used);
    const n = sys().recvmmsg(fd, this.vec, this.capacity, flags);
    this.used = n > 0 ? n : 0;
    return n;
  }

  /** Payload of message `i` of the last receive, as a view into the batch (valid until the next receive). */
  data(i: number): Buffer {
    const len = Math.min(readMmsgLen(this.vec, i), this.slotSize);
    return this.payload.subarray(i * this.slotSize, i * this.slotSize + len);
  }

  /** Length the datagram had on the wire (may exceed `slotSize` when truncated). */
  length(i: number): number {
    return readMmsgLen(this.vec, i);
  }

  /** Sender of message `i`, or null without addresses. */
  address(i: number): SocketAddress | null {
    if (!this.names) return null;
    const h = readMsghdr(this.vec, i * sys().abi.mmsghdrSize);
    return h.nameLen > 0 ? decodeSockaddr(this.names.subarray(i * NAME_SIZE), h.nameLen) : null;
  }

  /** `msg_flags` of message `i`. */
  flags(i: number): number {
    return readMsghdr(this.vec, i * sys().abi.mmsghdrSize).flags;
  }

  /** Ancillary data of message `i`. */
  ancillary(i: number): ControlMessage[] {
    if (!this.controls) return [];
    const cs = this.options.controlSize ?? 0;
    const h = readMsghdr(this.vec, i * sys().abi.mmsghdrSize);
    return h.controlLen > 0 ? decodeControl(this.controls.subarray(i * cs, (i + 1) * cs), h.controlLen) : [];
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
