/**
 * A ring block handed to the consumer: the packets the kernel packed into it, readable in place
 * until the block goes back to the kernel.
 */
import { SocketError } from '@rxsock/core';
import type { CapturedPacket } from '../packet.js';
import * as L from './layout.js';
import { PacketCursor } from './packet-cursor.js';

/** @internal What a block needs from its ring. */
export interface BlockOwner {
  releaseBlock(block: PacketBlock): void;
}

function released(): SocketError {
  return new SocketError('this ring block was given back to the kernel; copy packets out before releasing it', { code: 'ERR_RXSOCK_BLOCK_RELEASED' });
}

/**
 * One TPACKET_V3 block. It belongs to the consumer from delivery until it is released: by the
 * ring as soon as the consumer's synchronous callback returns, or, after {@link PacketBlock.hold},
 * by {@link PacketBlock.release}. While a block is held the ring reads no further (blocks go
 * back in order), so a consumer that holds blocks too long makes the kernel drop packets and
 * count them, rather than rxsock buffering without bound.
 */
export class PacketBlock {
  private live = false;
  private held = false;
  private readonly cursor: PacketCursor;

  /** @internal */
  constructor(
    private readonly owner: BlockOwner,
    /** Index of the block in the ring. */
    readonly index: number,
    /** Offset of the block in the ring. */
    readonly start: number,
    /** Bytes of the block. */
    readonly size: number,
    /** The whole ring, in place (fast paths read packets straight from it). */
    readonly ring: Buffer,
    /** @internal The ring as host-order u32 words. */
    readonly words: Uint32Array,
    /** @internal The ring as host-order u16 half-words. */
    readonly halfWords: Uint16Array,
    /** @internal The ring's native address (below 2^53), for iovecs into it. */
    readonly ringAddress: number,
  ) {
    this.cursor = new PacketCursor(ring, words, halfWords);
  }

  /** Packets in the block. */
  get count(): number {
    return this.words[(this.start + L.BLOCK_NUM_PKTS) >>> 2]!;
  }

  /** Whether the block is still the consumer's (not yet released). */
  get isLive(): boolean {
    return this.live;
  }

  /**
   * Calls `visit` for each packet with one reused {@link PacketCursor}: nothing is allocated
   * unless `visit` takes bytes out.
   * @throws `SocketError` `ERR_RXSOCK_BLOCK_RELEASED` once the block is released.
   */
  forEach(visit: (packet: PacketCursor, index: number) => void): void {
    if (!this.live) throw released();
    const n = this.count;
    const c = this.cursor;
    c.header = this.start + this.words[(this.start + L.BLOCK_FIRST_PKT) >>> 2]!;
    for (let i = 0; i < n; i++) {
      visit(c, i);
      if (i + 1 < n) c.advance();
    }
  }

  /** Every packet copied out (its own bytes, outliving the block). */
  copyPackets(): CapturedPacket[] {
    const out: CapturedPacket[] = [];
    this.forEach((p) => out.push(p.copy()));
    return out;
  }

  /** Keeps the block past the delivery callback; {@link PacketBlock.release} gives it back. */
  hold(): this {
    if (!this.live) throw released();
    this.held = true;
    return this;
  }

  /** Whether {@link PacketBlock.hold} was called. */
  get isHeld(): boolean {
    return this.held;
  }

  /** Gives the block back to the kernel (harmless when already released). */
  release(): void {
    if (!this.live) return;
    this.live = false;
    this.held = false;
    this.owner.releaseBlock(this);
  }

  /** @internal The ring hands the block out. */
  deliver(): void {
    this.live = true;
    this.held = false;
  }
}
