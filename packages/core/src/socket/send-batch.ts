/**
 * A reusable set of buffers and `struct mmsghdr`s for `sendmmsg`: the sending counterpart of
 * {@link MessageBatch}. Headers are laid out once; filling a message copies its payload into
 * its slot and, for unconnected sockets, writes its destination. High-rate senders (telemetry,
 * load generators) send a whole batch in one system call with no garbage per datagram.
 */
import type { SocketAddress } from '../codec/address.js';
import { encodeSockaddr } from '../codec/sockaddr.js';
import { invalidArgument } from '../errors.js';
import { sys, type AbiLayout } from '../sys/index.js';
import { writeIovecs, writeMsghdr } from './messages.js';

const NAME_SIZE = 128;

/** Preallocated buffers for sending up to `capacity` messages in one `sendmmsg`. */
export class SendBatch {
  /** All payload slots, `capacity × slotSize` bytes. */
  readonly payload: Buffer;
  /** @internal The mmsghdr vector handed to sendmmsg. */
  readonly vector: Buffer;
  private readonly view: DataView;
  private readonly abi: AbiLayout;
  private readonly iovs: Buffer;
  private readonly iovView: DataView;
  private readonly names: Buffer;
  /** How many messages are filled (0 … capacity). */
  count = 0;

  constructor(
    /** Messages per system call (the kernel takes at most 1024 per call). */
    readonly capacity: number,
    /** Largest payload of one message. */
    readonly slotSize: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 1024) throw invalidArgument(`capacity must be 1..1024, got ${capacity}`);
    if (!Number.isInteger(slotSize) || slotSize < 1) throw invalidArgument(`slotSize must be a positive integer, got ${slotSize}`);
    const abi = (this.abi = sys().abi);
    this.payload = Buffer.alloc(capacity * slotSize);
    this.vector = Buffer.alloc(capacity * abi.mmsghdrSize);
    this.view = new DataView(this.vector.buffer, this.vector.byteOffset, this.vector.byteLength);
    this.iovs = Buffer.alloc(capacity * abi.iovecSize);
    this.iovView = new DataView(this.iovs.buffer, this.iovs.byteOffset, this.iovs.byteLength);
    this.names = Buffer.alloc(capacity * NAME_SIZE);
    writeIovecs(this.iovs, Array.from({ length: capacity }, (_, i) => this.payload.subarray(i * slotSize, (i + 1) * slotSize)), abi);
    for (let i = 0; i < capacity; i++) {
      writeMsghdr(
        this.vector,
        i * abi.mmsghdrSize,
        { name: this.names.subarray(i * NAME_SIZE, (i + 1) * NAME_SIZE), nameLen: 0, iov: this.iovs.subarray(i * abi.iovecSize), iovLen: 1, control: null, controlLen: 0 },
        abi,
      );
    }
  }

  /**
   * Fills message `i` (which must be ≤ {@link SendBatch.count}, so messages stay contiguous):
   * copies `data` into its slot and sets its destination (none: the connected peer). Returns
   * the new count.
   */
  set(i: number, data: Uint8Array, address?: SocketAddress): number {
    if (!Number.isInteger(i) || i < 0 || i >= this.capacity || i > this.count) throw invalidArgument(`message index ${i} is outside 0..${Math.min(this.count, this.capacity - 1)}`);
    if (data.byteLength > this.slotSize) throw invalidArgument(`a ${data.byteLength}-byte message does not fit a ${this.slotSize}-byte slot`);
    const { abi, view } = this;
    const le = abi.littleEndian;
    this.payload.set(data, i * this.slotSize);
    this.iovView.setBigUint64(i * abi.iovecSize + abi.pointerSize, BigInt(data.byteLength), le);
    const base = i * abi.mmsghdrSize;
    if (address) {
      const name = encodeSockaddr(address);
      this.names.set(name, i * NAME_SIZE);
      view.setBigUint64(base + abi.msghdr.name, sys().addressOf(this.names.subarray(i * NAME_SIZE)), le);
      view.setUint32(base + abi.msghdr.namelen, name.length, le);
    } else {
      view.setBigUint64(base + abi.msghdr.name, 0n, le);
      view.setUint32(base + abi.msghdr.namelen, 0, le);
    }
    if (i === this.count) this.count++;
    return this.count;
  }

  /**
   * Fills every slot with the same payload and destination, in one go: a load generator's
   * batch. Sets {@link SendBatch.count} to `count`.
   */
  fill(data: Uint8Array, count = this.capacity, address?: SocketAddress): void {
    this.count = 0;
    for (let i = 0; i < count; i++) this.set(i, data, address);
  }

  /** Empties the batch (slots keep their memory). */
  clear(): void {
    this.count = 0;
  }

  /** @internal The header vector from message `start` on. */
  from(start: number): Buffer {
    return start === 0 ? this.vector : this.vector.subarray(start * this.abi.mmsghdrSize);
  }
}
