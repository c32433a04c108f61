/**
 * The TPACKET_V3 receive ring: the kernel writes packets into memory shared with this process,
 * packed into blocks, and flips a block's status word when it is full or its timeout expires.
 * Reading it costs no system call per packet and no copy: a wake-up from the poller (the socket
 * turns readable when a block is retired) hands on every ready block.
 */
import { invalidArgument, MappedRegion, rx, type Socket } from '@rxsock/core';
import type { Observable } from 'rxjs';
import { PacketOption, SOL_PACKET, TPACKET_V3, TpStatus } from '../constants.js';
import { encodeRingRequest, type RingGeometry } from '../options.js';
import type { CapturedPacket } from '../packet.js';
import { PacketBlock } from './block.js';
import * as L from './layout.js';

/** Ring geometry; the defaults make an 8 MiB ring. */
export interface RingOptions {
  /** Bytes per block: a power of two, at least the page size. Default 1 MiB. */
  blockSize?: number;
  /** Blocks in the ring. Default 8. */
  blockCount?: number;
  /**
   * Milliseconds after which the kernel hands over a block that is not full, so packets at a
   * low rate are still seen. Default 100: every hand-over wakes the process, and a wake-up
   * costs about 220 us of CPU here whatever the block holds, so at 10 ms a 100k packets/s
   * capture spends twice tcpdump's CPU per packet (bench/capture). tcpdump's libpcap ring waits
   * 1000 ms. Pass 1-10 for a live view of a quiet link.
   */
  retireTimeoutMs?: number;
  /** Blocks handed on per wake-up before yielding to the event loop. Default 16. */
  blocksPerTurn?: number;
}

const PAGE = 4096;
/** `SOF_TIMESTAMPING_SOFTWARE`. */
const SOF_TIMESTAMPING_SOFTWARE = 1 << 4;

function checkGeometry(o: RingOptions): RingGeometry {
  const blockSize = o.blockSize ?? 1 << 20;
  const blockCount = o.blockCount ?? 8;
  const retireTimeoutMs = o.retireTimeoutMs ?? 100;
  if (!Number.isInteger(blockSize) || blockSize < PAGE || (blockSize & (blockSize - 1)) !== 0) {
    throw invalidArgument(`ring blockSize must be a power of two >= ${PAGE}, got ${String(blockSize)}`, 'setsockopt');
  }
  if (!Number.isInteger(blockCount) || blockCount < 1 || blockCount * blockSize > 2 ** 31) {
    throw invalidArgument(`ring blockCount must be >= 1 with at most 2 GiB in all, got ${String(blockCount)}`, 'setsockopt');
  }
  if (!Number.isInteger(retireTimeoutMs) || retireTimeoutMs < 0) throw invalidArgument(`retireTimeoutMs must be an integer >= 0, got ${String(retireTimeoutMs)}`, 'setsockopt');
  // V3 packs packets of any size into blocks; the frame size only has to satisfy the kernel's checks.
  return { blockSize, blockCount, frameSize: 2048, retireTimeoutMs };
}

/** Who receives the blocks: one consumer at a time. */
type Handler = (block: PacketBlock) => void;

/**
 * A TPACKET_V3 receive ring on a packet socket. Made by the packet socket (the ring must be set
 * up before the socket is bound to its protocol); one consumer at a time reads it as
 * {@link PacketRing.blocks$}, {@link PacketRing.packets$}, {@link PacketRing.consume} or
 * `for await`.
 */
export class PacketRing {
  /** The geometry the kernel accepted. */
  readonly geometry: Readonly<RingGeometry>;
  private readonly region: MappedRegion;
  private readonly u32: Uint32Array;
  private readonly blocks: PacketBlock[];
  private readonly blocksPerTurn: number;
  private current = 0;
  private handler: Handler | undefined;
  private onEnd: ((error?: unknown) => void) | undefined;
  private inPump = false;
  private armed = false;
  private yielded = false;
  private closed = false;
  /** The block the consumer has, if any (blocks go back in order). */
  private outstanding: PacketBlock | undefined;

  /** @internal Sets PACKET_VERSION and PACKET_RX_RING on `socket` and maps the ring. */
  constructor(
    private readonly socket: Socket,
    options: RingOptions = {},
  ) {
    const g = checkGeometry(options);
    this.blocksPerTurn = options.blocksPerTurn ?? 16;
    socket.setOption(SOL_PACKET, PacketOption.VERSION, TPACKET_V3);
    // The receive time the stack stamped on the packet (SO_TIMESTAMPNS turned stamping on), not
    // the time the ring copy was made: the same clock as the recvmmsg path.
    socket.setOption(SOL_PACKET, PacketOption.TIMESTAMP, SOF_TIMESTAMPING_SOFTWARE);
    socket.setOption(SOL_PACKET, PacketOption.RX_RING, encodeRingRequest(g));
    const size = g.blockSize * g.blockCount;
    this.region = MappedRegion.mapShared(socket.fileno(), size);
    this.geometry = Object.freeze(g);
    const ring = Buffer.from(this.region.bytes);
    this.u32 = new Uint32Array(this.region.bytes);
    const u16 = new Uint16Array(this.region.bytes);
    this.blocks = Array.from({ length: g.blockCount }, (_, i) => new PacketBlock(this, i, i * g.blockSize, g.blockSize, ring, this.u32, u16, Number(this.region.address)));
  }

  /** Bytes of the ring. */
  get size(): number {
    return this.region.length;
  }

  /**
   * The blocks, one at a time, in ring order. A block goes back to the kernel when `next()`
   * returns, unless the subscriber called `block.hold()` (then `block.release()` gives it back,
   * and nothing further is read until then).
   */
  get blocks$(): Observable<PacketBlock> {
    return new (rx().Observable)<PacketBlock>((subscriber) => {
      this.start((block) => subscriber.next(block), (error) => (error === undefined ? subscriber.complete() : subscriber.error(error)));
      return () => this.stop();
    });
  }

  /**
   * Every packet as its own {@link CapturedPacket} (bytes copied out of the ring, so they outlive
   * the block). Convenient; walking {@link PacketRing.blocks$} with `forEach` allocates less.
   */
  get packets$(): Observable<CapturedPacket> {
    return new (rx().Observable)<CapturedPacket>((subscriber) => {
      this.start(
        (block) => block.forEach((p) => subscriber.next(p.copy())),
        (error) => (error === undefined ? subscriber.complete() : subscriber.error(error)),
      );
      return () => this.stop();
    });
  }

  /**
   * Hands each block to `handle` and gives it back when the returned promise settles: a slow
   * handler holds the ring, and the kernel counts what it could not store. Resolves when the
   * ring is closed; rejects with the handler's error (the ring stops reading).
   */
  consume(handle: (block: PacketBlock) => void | Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.start(
        (block) => {
          let result: void | Promise<void>;
          try {
            result = handle(block);
          } catch (error) {
            this.finish(error);
            return;
          }
          if (result && typeof (result as Promise<void>).then === 'function') {
            block.hold();
            (result as Promise<void>).then(
              () => block.release(),
              (error: unknown) => {
                block.release();
                this.finish(error);
              },
            );
          }
        },
        (error) => (error === undefined ? resolve() : reject(error)),
      );
    });
  }

  /** `for await (const block of ring)`: each block is released when the loop asks for the next. */
  async *[Symbol.asyncIterator](): AsyncGenerator<PacketBlock> {
    const ready: PacketBlock[] = [];
    let wake: (() => void) | undefined;
    let ended = false;
    let failure: unknown;
    this.start(
      (block) => {
        block.hold();
        ready.push(block);
        wake?.();
      },
      (error) => {
        ended = true;
        failure = error;
        wake?.();
      },
    );
    let current: PacketBlock | undefined;
    try {
      for (;;) {
        current = ready.shift();
        if (current) {
          yield current;
          current.release();
          continue;
        }
        if (ended) {
          if (failure !== undefined) throw failure;
          return;
        }
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
      }
    } finally {
      // a loop left with break: the block it was reading goes back too
      current?.release();
      for (const b of ready) b.release();
      this.stop();
    }
  }

  /** @internal The consumer is done with `block`. */
  releaseBlock(block: PacketBlock): void {
    if (this.closed) return;
    // Plain store: the kernel reads the status word with the barriers it needs.
    this.u32[(block.start + L.BLOCK_STATUS) >>> 2] = TpStatus.KERNEL;
    if (this.outstanding === block) {
      this.outstanding = undefined;
      this.current = (block.index + 1) % this.blocks.length;
    }
    if (!this.inPump) this.pump();
  }

  /**
   * Gives every ready block back unread (for a filter swap: drop what the old filter let in).
   * Returns how many packets were discarded.
   */
  discardReady(): number {
    let dropped = 0;
    if (this.outstanding) return 0;
    for (let n = 0; n < this.blocks.length && this.ready(this.current); n++) {
      const b = this.blocks[this.current]!;
      dropped += b.count;
      this.u32[(b.start + L.BLOCK_STATUS) >>> 2] = TpStatus.KERNEL;
      this.current = (this.current + 1) % this.blocks.length;
    }
    return dropped;
  }

  /** Stops reading and unmaps the ring (views of it read zeros from then on). Idempotent. */
  close(): void {
    if (this.closed) return;
    this.finish(undefined);
    this.closed = true;
    this.region.release();
  }

  /** @internal ReadableListener: a block was retired (or the socket failed). */
  onReadable(error?: unknown): void {
    this.armed = false;
    if (error !== undefined) {
      this.finish(this.closed ? undefined : error);
      return;
    }
    this.pump();
  }

  private start(handler: Handler, onEnd: (error?: unknown) => void): void {
    if (this.closed) throw invalidArgument('the ring is closed', 'poll', 'ERR_SOCKET_CLOSED');
    if (this.handler) throw invalidArgument('the ring already has a consumer', 'poll', 'ERR_RXSOCK_BUSY');
    this.handler = handler;
    this.onEnd = onEnd;
    this.pump();
  }

  private stop(): void {
    this.handler = undefined;
    this.onEnd = undefined;
    if (this.armed) {
      this.armed = false;
      if (!this.socket.closed) this.socket.onNextReadable(undefined);
    }
  }

  private finish(error: unknown): void {
    const end = this.onEnd;
    this.stop();
    end?.(error);
  }

  private ready(index: number): boolean {
    return (this.u32[(this.blocks[index]!.start + L.BLOCK_STATUS) >>> 2]! & TpStatus.USER) !== 0;
  }

  private pump(): void {
    if (this.inPump || this.closed) return;
    this.inPump = true;
    try {
      let turn = 0;
      while (this.handler !== undefined && this.outstanding === undefined) {
        if (!this.ready(this.current)) {
          // Arm first, then look again: a block retired in between is either seen now or brings
          // an edge the armed listener hears (dispatch runs on this thread, later).
          if (!this.armed) {
            this.armed = true;
            this.socket.onNextReadable(this);
          }
          if (!this.ready(this.current)) return;
        }
        if (++turn > this.blocksPerTurn) {
          this.yieldTurn();
          return;
        }
        const block = this.blocks[this.current]!;
        this.outstanding = block;
        block.deliver();
        try {
          this.handler(block);
        } catch (error) {
          block.release();
          this.finish(error);
          return;
        }
        if (!block.isHeld) block.release();
      }
    } finally {
      this.inPump = false;
    }
  }

  private yieldTurn(): void {
    if (this.yielded) return;
    this.yielded = true;
    setImmediate(() => {
      this.yielded = false;
      this.pump();
    });
  }
}
