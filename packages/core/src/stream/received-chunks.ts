/**
 * A stream socket's bytes delivered by completion (see sys/stream-receiver.ts): the kernel keeps
 * one receive posted per socket and every arrival comes back with its bytes, so a reader that
 * takes everything (an `input$` subscriber) pays neither an `epoll_wait` nor a `recv` per chunk.
 *
 * Chunks are made as the readiness readers make them: an arrival of at least half a chunk is
 * handed over in the pool buffer it landed in (a fresh buffer takes that buffer's place), a
 * smaller one is copied out, so a chunk stays valid after its handler returns and a small one
 * pins no 64 KiB.
 *
 * While a socket receives this way its readability is not watched (epoll would only report what
 * the completions already bring), and the reception counts as a waiter of the socket: a
 * referenced socket keeps the process alive as a pending read does, `unref()` lets it exit.
 * Closing or detaching the socket cancels the receive before the fd goes.
 */
import { formatAddress } from '../codec/address.js';
import { systemError } from '../errors.js';
import { slotReactor, type CompletionQueue } from '../poller/reactor.js';
import { reportUncaught } from '../poller/driver.js';
import type { ReadableListener } from '../socket/io-state.js';
import type { Socket } from '../socket/socket.js';
import { streamReceiver, type StreamReceiver } from '../sys/stream-receiver.js';
import type { ChunkSink } from './chunk-reader.js';
import { allocateReadBuffer, noteHandedOver } from './read-buffers.js';

const ENOBUFS = 105;
/** Completions taken per dispatch: a bound, as the selector's event buffer is one. */
const REAP_PER_DISPATCH = 1024;

// A reception's state.
const RECEIVING = 0;
/** Cancelled by its owner: its last completion (ECANCELED) frees its slot. */
const CANCELLING = 1;
/** Over (end of stream, error or cancel completed): its slot is free. */
const OVER = 2;

/**
 * One socket receiving by completion; from {@link receiveChunks}. It is also the socket's read
 * listener: that makes it a waiter of the socket (process lifetime, `ref`/`unref`), and the
 * socket's close reaches it through the listener's error call.
 */
export class ChunkReception implements ReadableListener {
  /** @internal */
  state = RECEIVING;

  /** @internal */
  constructor(
    readonly socket: Socket,
    readonly sink: ChunkSink,
    readonly slot: number,
    readonly generation: number,
  ) {}

  /** Whether the kernel still delivers to this reception. */
  get receiving(): boolean {
    return this.state === RECEIVING;
  }

  /**
   * Stops receiving: the kernel's request is cancelled now (the socket may be closed right
   * after), and the socket's readability is watched again if it stays open. Bytes the kernel
   * had already taken and not delivered are dropped with the reception. Idempotent.
   */
  stop(): void {
    if (this.state !== RECEIVING) return;
    this.state = CANCELLING;
    const receiver = receiving!.receiver;
    receiver.cancel(this.slot, this.generation);
    receiver.submit();
    this.release();
  }

  /** @internal {@link ReadableListener}: the socket closed (error), or a hang-up edge came. */
  onReadable(error?: unknown): void {
    if (error !== undefined) this.stop();
    else if (this.state === RECEIVING) this.socket.onNextReadable(this);
  }

  /** @internal The socket's read side is the socket's again: no waiter, readability watched. */
  release(): void {
    const socket = this.socket;
    if (socket.closed) return;
    socket.onNextReadable(undefined);
    socket.setReadInterest(true);
  }
}

/** The receiver, its receptions by slot, and the reactor's view of them. */
class Receptions implements CompletionQueue {
  readonly slots: Array<ChunkReception | undefined> = [];
  readonly free: number[] = [];
  generation = 0;
  /** Chunks delivered, for {@link receptionStats}. */
  delivered = 0;

  constructor(readonly receiver: StreamReceiver) {}

  pending(): boolean {
    return this.receiver.pending();
  }

  dispatch(): void {
    try {
      this.receiver.reap(REAP_PER_DISPATCH, this.onCompletion);
      // Receives to post again (ended for want of buffers, or by the kernel's choice).
      this.receiver.submit();
    } catch (error) {
      reportUncaught(error);
    }
  }

  readonly onCompletion = (slot: number, generation: number, result: number, bufferId: number, more: boolean): void => {
    const reception = this.slots[slot];
    if (reception === undefined || reception.generation !== generation || reception.state !== RECEIVING) {
      // A completion of a reception being cancelled (or of an older one): dropped with it.
      if (bufferId >= 0) this.receiver.giveBack(bufferId);
      if (reception?.generation === generation && !more) this.freeSlot(reception);
      return;
    }
    if (result > 0) {
      const chunk = this.chunk(bufferId, result);
      // The kernel ended the request on its own (its completion ring overflowed): post it again.
      if (!more) this.post(reception);
      if (!reception.sink.closed) this.deliver(reception, chunk);
      return;
    }
    if (result === -ENOBUFS) {
      // Out of pool buffers: the bytes wait in the socket until the pool is bigger.
      this.receiver.grow();
      this.post(reception);
      return;
    }
    // End of stream or an error: the request's last completion.
    this.finish(reception);
    if (result === 0) {
      this.call(reception, undefined);
      return;
    }
    let address: string | undefined;
    try {
      address = formatAddress(reception.socket.getpeername());
    } catch {
      // a peer that is gone leaves the address out of the message
    }
    this.call(reception, systemError('recv', -result, address));
  };

  private post(reception: ChunkReception): void {
    this.receiver.start(reception.socket.fileno(), reception.slot, reception.generation);
  }

  /** End of stream or error: the reception is over and the socket's read side goes back. */
  private finish(reception: ChunkReception): void {
    this.freeSlot(reception);
    reception.release();
  }

  private freeSlot(reception: ChunkReception): void {
    if (reception.state === OVER) return;
    reception.state = OVER;
    this.slots[reception.slot] = undefined;
    this.free.push(reception.slot);
  }

  private chunk(bufferId: number, length: number): Buffer {
    const receiver = this.receiver;
    const memory = receiver.buffer(bufferId);
    if (length >= receiver.bufferSize >>> 1) {
      // Mostly full: handed over, and a fresh buffer joins the pool in its place.
      receiver.replace(bufferId, allocateReadBuffer(receiver.bufferSize));
      noteHandedOver(receiver.bufferSize);
      return memory.subarray(0, length);
    }
    const chunk = Buffer.from(memory.subarray(0, length));
    receiver.giveBack(bufferId);
    return chunk;
  }

  private deliver(reception: ChunkReception, chunk: Buffer): void {
    this.delivered++;
    try {
      reception.sink.next(chunk);
    } catch (error) {
      reportUncaught(error);
    }
  }

  /** Completes (no `error`) or fails the sink, unless it has left. */
  private call(reception: ChunkReception, error: unknown): void {
    const sink = reception.sink;
    if (sink.closed) return;
    try {
      if (error === undefined) sink.complete();
      else sink.error(error);
    } catch (e) {
      reportUncaught(e);
    }
  }

  start(socket: Socket, sink: ChunkSink): ChunkReception {
    const slot = this.free.pop() ?? this.slots.length;
    this.generation = (this.generation + 1) >>> 0;
    const reception = new ChunkReception(socket, sink, slot, this.generation);
    // Registered (and a waiter) first, with readability no longer watched: the completions bring it.
    socket.onNextReadable(reception);
    socket.setReadInterest(false);
    this.slots[slot] = reception;
    this.post(reception);
    this.receiver.submit();
    return reception;
  }
}

let receiving: Receptions | null | undefined;

function receptions(): Receptions | null {
  if (receiving === undefined) {
    const receiver = streamReceiver();
    receiving = receiver === null ? null : new Receptions(receiver);
    if (receiving !== null) slotReactor().attachCompletionQueue(receiver!.fd, receiving);
  }
  return receiving;
}

/**
 * Delivers the bytes of connected stream socket `socket` to `sink` by completion, everything as
 * it arrives (no credit, no pause: the consumer takes each chunk in `next`), until the end of
 * stream (`complete`), an error (`error`, the typed `recv` error) or
 * {@link ChunkReception.stop}. Chunks are at most 64 KiB.
 *
 * @returns The reception, or undefined where the kernel cannot receive by completion (not
 * Linux, `RXSOCK_IO_URING=0`, Linux before 6.0, io_uring refused) or `chunkSize` is not the
 * receiver's: then read on readiness (a {@link ChunkReader}).
 */
export function receiveChunks(socket: Socket, sink: ChunkSink, chunkSize?: number): ChunkReception | undefined {
  const r = receptions();
  if (r === null || (chunkSize !== undefined && chunkSize !== r.receiver.bufferSize) || socket.closed) return undefined;
  return r.start(socket, sink);
}

/**
 * @internal For tests: receptions whose kernel request is still posted or being cancelled,
 * chunks delivered so far and the pool's buffers; null where receiving by completion is not done.
 */
export function receptionStats(): { live: number; delivered: number; poolSize: number } | null {
  const r = receptions();
  if (r === null) return null;
  return { live: r.slots.length - r.free.length, delivered: r.delivered, poolSize: r.receiver.poolSize };
}
