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
import { systemError } from '../errors.js';
import { slotReactor, type CompletionQueue, type SlotReactor } from '../poller/reactor.js';
import { reportUncaught } from '../poller/driver.js';
import { BULK_READ, quietRead } from '../socket/bulk-transfer.js';
import type { ReadableListener } from '../socket/io-state.js';
import { peerAddressText } from '../socket/peer-text.js';
import type { Socket } from '../socket/socket.js';
import { streamReceiver, type StreamReceiver } from '../sys/stream-receiver.js';
import type { ChunkSink } from './chunk-reader.js';
import { allocateReadBuffer, noteHandedOver } from './read-buffers.js';

const ENOBUFS = 105;
const ECANCELED = 125;
/**
 * The most sockets receiving by completion at once; later ones read on readiness. Each posted
 * receive needs a pool buffer for every arrival not yet reaped, and the pool stops at 1024: with
 * 10,000 receives (bench/tcp-echo-10k) arrivals outran it, every receive that found it empty
 * ended (ENOBUFS) and had to be posted again, and the server took 17 us of CPU per message
 * against 8 on readiness. On readiness one epoll_wait and one batched read serve a whole
 * wake-up of many sockets; completions win where a few sockets talk back and forth.
 */
export const MAX_RECEPTIONS = 512;
/** Completions taken per dispatch: a bound, as the selector's event buffer is one. */
const REAP_PER_DISPATCH = 1024;

// A reception's state.
/** Not started, or left to the readiness readers. */
const IDLE = 0;
const RECEIVING = 1;
/** Cancelled by its owner: its last completion (ECANCELED) frees its slot. */
const CANCELLING = 2;
/** Over (end of stream, error or cancel completed): its slot is free. */
const OVER = 3;
/**
 * The stream turned bulk: the request is cancelled, what it still brings is delivered, and its
 * last completion hands the socket to the readiness readers (ChunkReception.receiveOnReadiness).
 */
const HANDING_OFF = 4;

/** Of each reception handed to the readiness readers by a bulk transfer: its quiet chunks in a row since. */
const quietChunks = new WeakMap<CompletionReception, number>();

/**
 * One socket's kernel request for receiving by completion, and what becomes of its arrivals:
 * the part every consumer shares (inet's `input$` through {@link ChunkReception}, the core
 * Socket's awaited reads through its own). A subclass says which fd it receives from, how it
 * takes the socket's read side over and gives it back, and where the chunks go (the sink
 * methods `closed`, `next`, `error`, `complete`).
 */
export abstract class CompletionReception implements ChunkSink {
  /** @internal Where the reception is (IDLE, RECEIVING, CANCELLING, OVER, HANDING_OFF). */
  receptionState = IDLE;
  /** @internal Its slot in the process's table, and that slot's generation: the request's tag. */
  receptionSlot = 0;
  /** @internal */
  receptionGeneration = 0;

  /**
   * @internal Whether the sink's methods only settle promises and run no caller's code: then a
   * read about to wait may take this reception's completions itself ({@link takeArrivalsNow}).
   */
  readonly settlesOnly: boolean = false;

  abstract closed: boolean;
  abstract next(chunk: Buffer): void;
  abstract error(error: unknown): void;
  abstract complete(): void;
  /** @internal The fd received from: a connected stream socket's, or -1 once it is gone. */
  abstract receptionFd(): number;
  /** @internal Takes the socket's read side over: its readability is no longer watched. */
  abstract takeReadSide(): void;
  /** @internal The socket's read side is the socket's again (unless it is closed). */
  abstract releaseSocket(): void;
  /** @internal The peer's address as text, for an error's message (undefined if unknown). */
  peerText(): string | undefined {
    return peerAddressText(this.receptionFd());
  }

  /**
   * Starts delivering the socket's bytes to this sink by completion, everything as it arrives
   * (no credit, no pause: the consumer takes each chunk in `next`), until the end of stream
   * (`complete`), an error (`error`, the typed `recv` error) or {@link CompletionReception.stop}.
   * Chunks are at most 64 KiB.
   *
   * @param chunkSize - The chunk size the consumer was configured with, if any.
   * @returns False where the kernel cannot receive by completion (not Linux,
   * `RXSOCK_IO_URING=0`, Linux before 6.0, io_uring refused), `chunkSize` is not the
   * receiver's, or 512 sockets already receive this way: then read on
   * readiness (a {@link ChunkReader}).
   */
  startReceiving(chunkSize?: number): boolean {
    const r = receptions();
    if (r === null || this.receptionState !== IDLE) return false;
    if ((chunkSize !== undefined && chunkSize !== r.receiver.bufferSize) || this.receptionFd() < 0) return false;
    if (r.slots.length - r.free.length >= MAX_RECEPTIONS) return false;
    r.start(this);
    return true;
  }

  /**
   * @internal For a reception handed to the readiness readers by a bulk transfer
   * ({@link CompletionReception.receiveOnReadiness}): a chunk of `length` bytes was read on
   * readiness. True once the transfer is over (16 chunks in a row below 32 KiB): then
   * {@link CompletionReception.restartReceiving} may take the socket back.
   */
  bulkOver(length: number): boolean {
    if (this.receptionState !== OVER) return false;
    if (length < BULK_READ) return quietRead(quietChunks, this);
    quietChunks.delete(this);
    return false;
  }

  /**
   * @internal {@link CompletionReception.startReceiving} again, for a reception whose request
   * is over (handed to the readiness readers, whose reading the caller has stopped).
   */
  restartReceiving(chunkSize?: number): boolean {
    if (this.receptionState !== OVER) return false;
    this.receptionState = IDLE;
    if (this.startReceiving(chunkSize)) return true;
    this.receptionState = OVER;
    return false;
  }

  /** Whether the kernel delivers to this reception. */
  get receiving(): boolean {
    return this.receptionState === RECEIVING || this.receptionState === HANDING_OFF;
  }

  /**
   * Optional: reading goes on on readiness from here. Called once, when an arrival of half a
   * chunk or more (a bulk transfer) has been delivered and what the kernel's request still held
   * after it too, or after {@link CompletionReception.returnToReadiness}; the rest of the stream
   * is in the socket, in order. Bulk transfers are cheaper on readiness, where one wake-up reads
   * up to 64 KiB at a time and hands the buffer over: by completion every arrival, however
   * small, is a completion and most are copied out (a 1 GiB transfer cost its receiver 1.26 s of
   * CPU by completion, 0.58 s on readiness). Without it, the reception stays on completions to
   * the end.
   */
  receiveOnReadiness?(): void;

  /**
   * @internal Optional: takes an arrival of less than half a chunk where the kernel put it,
   * instead of {@link CompletionReception.next} with a copy. The first `length` bytes of
   * `memory` are valid only during the call: what the callee keeps, it copies.
   */
  nextInPlace?(memory: Buffer, length: number): void;

  /**
   * Ends the kernel's request without losing a byte: it is cancelled, what it still brings is
   * delivered, and its last completion calls {@link CompletionReception.receiveOnReadiness}.
   * Returns false when the request is not (or no longer) posted.
   */
  returnToReadiness(): boolean {
    if (this.receptionState !== RECEIVING) return false;
    const r = receiving!;
    r.handOff(this);
    submitOrReport(r.receiver);
    return true;
  }

  /**
   * Stops receiving: the kernel's request is cancelled now (the socket may be closed right
   * after), and the socket's readability is watched again if it stays open. Bytes the kernel
   * had already taken and not delivered are dropped with the reception. Idempotent.
   */
  stop(): void {
    const state = this.receptionState;
    if (state !== RECEIVING && state !== HANDING_OFF) return;
    this.receptionState = CANCELLING;
    const receiver = receiving!.receiver;
    // Handing off, the cancel is already queued.
    if (state === RECEIVING) receiver.cancel(this.receptionSlot, this.receptionGeneration);
    submitOrReport(receiver);
    this.releaseSocket();
  }
}

/** Submits what is queued; called from a socket's close too, which must go on (the request then stays queued for the next submit). */
function submitOrReport(receiver: StreamReceiver): void {
  try {
    receiver.submit();
  } catch (error) {
    reportUncaught(error);
  }
}

/**
 * A consumer of one stream socket's bytes by completion: extend it with the sink methods
 * (`closed`, `next`, `error`, `complete`) and the socket, then {@link CompletionReception.startReceiving}.
 * The consumer is the reception itself, so a server's idle connections hold no object for it.
 *
 * While receiving it is also the socket's read listener: that makes it a waiter of the socket
 * (process lifetime, `ref`/`unref`), and the socket's close reaches it through the listener's
 * error call, which cancels the kernel's request before the fd goes.
 */
export abstract class ChunkReception extends CompletionReception implements ReadableListener {
  /** The socket received from: connected, stream type. */
  abstract get socket(): Socket;

  /** @internal */
  receptionFd(): number {
    return this.socket.fileno();
  }

  /** @internal Registered (and a waiter) first, with readability no longer watched: the completions bring it. */
  takeReadSide(): void {
    const socket = this.socket;
    socket.onNextReadable(this);
    socket.setReadInterest(false);
  }

  /**
   * {@link ReadableListener}, while receiving: the socket closed (error), or a hang-up edge
   * came. A subclass that also reads on readiness overrides it and calls this one while
   * {@link CompletionReception.receiving}.
   */
  onReadable(error?: unknown): void {
    if (error !== undefined) this.stop();
    else if (this.receiving) this.socket.onNextReadable(this);
  }

  /** @internal The socket's read side is the socket's again: no waiter, readability watched. */
  releaseSocket(): void {
    const socket = this.socket;
    if (socket.closed) return;
    socket.onNextReadable(undefined);
    socket.setReadInterest(true);
  }
}

/** The receiver, its receptions by slot, and the reactor's view of them. */
class Receptions implements CompletionQueue {
  readonly slots: Array<CompletionReception | undefined> = [];
  readonly free: number[] = [];
  generation = 0;
  /** Chunks delivered, and receptions handed to the readiness readers, for {@link receptionStats}. */
  delivered = 0;
  handOffs = 0;
  /** Completions taken by reads about to wait ({@link Receptions.takeNow}), for {@link receptionStats}. */
  takenEarly = 0;
  /**
   * Set while completions are taken: a read that waits inside (an `input$` handler's) must not
   * take any, or the dispatch would go on from a ring head that moved under it.
   */
  private reaping = false;

  constructor(
    readonly receiver: StreamReceiver,
    private readonly reactor: SlotReactor,
  ) {}

  pending(): boolean {
    return this.receiver.pending();
  }

  dispatch(): void {
    this.reaping = true;
    try {
      this.receiver.reap(REAP_PER_DISPATCH, this.onCompletion);
      // Receives to post again (ended for want of buffers, or by the kernel's choice).
      this.receiver.submit();
    } catch (error) {
      reportUncaught(error);
    } finally {
      this.reaping = false;
    }
  }

  /**
   * Takes the completions that wait at the head of the queue while they are for receptions that
   * only settle promises, stopping at the first that is not (its sink runs a caller's code,
   * which must not run inside a read). True if it took any.
   */
  takeNow(): boolean {
    // Not from inside a dispatch (a read made by an input$ handler): the ring is being taken.
    if (this.reaping) return false;
    const receiver = this.receiver;
    let slot = receiver.nextSlot();
    if (slot < 0 || this.slots[slot]?.settlesOnly === false || !this.reactor.mayTakeCompletionsNow()) return false;
    this.reaping = true;
    try {
      do {
        receiver.reap(1, this.onCompletion);
        this.takenEarly++;
        slot = receiver.nextSlot();
      } while (slot >= 0 && this.slots[slot]?.settlesOnly !== false);
      receiver.submit();
    } catch (error) {
      reportUncaught(error);
    } finally {
      this.reaping = false;
    }
    return true;
  }

  readonly onCompletion = (slot: number, generation: number, result: number, bufferId: number, more: boolean): void => {
    const reception = this.slots[slot];
    if (reception === undefined || reception.receptionGeneration !== generation || !reception.receiving) {
      // A completion of a reception being cancelled (or of an older one): dropped with it.
      if (bufferId >= 0) this.receiver.giveBack(bufferId);
      if (reception?.receptionGeneration === generation && !more) this.freeSlot(reception);
      return;
    }
    const handingOff = reception.receptionState === HANDING_OFF;
    if (result > 0) {
      // The kernel ended the request on its own (its completion ring overflowed): post it again.
      if (!more && !handingOff) this.post(reception);
      if (reception.nextInPlace !== undefined && result < BULK_READ) this.deliverInPlace(reception, bufferId, result);
      else {
        const chunk = this.chunk(bufferId, result);
        if (!reception.closed) this.deliver(reception, chunk);
      }
      if (handingOff) {
        if (!more) this.handedOff(reception);
      } else if (result >= BULK_READ && reception.receiveOnReadiness !== undefined && reception.receiving) {
        this.handOff(reception);
      }
      return;
    }
    if (handingOff && (result === -ENOBUFS || result === -ECANCELED)) {
      this.handedOff(reception);
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
    this.call(reception, systemError('recv', -result, reception.peerText()));
  };

  /** A bulk arrival: the request is cancelled (submitted at the end of the dispatch). */
  handOff(reception: CompletionReception): void {
    reception.receptionState = HANDING_OFF;
    this.receiver.cancel(reception.receptionSlot, reception.receptionGeneration);
    this.handOffs++;
  }

  /** The cancelled request's last completion: the socket is read on readiness from here. */
  private handedOff(reception: CompletionReception): void {
    this.finish(reception);
    if (reception.closed) return;
    try {
      reception.receiveOnReadiness!();
    } catch (error) {
      reportUncaught(error);
    }
  }

  private post(reception: CompletionReception): void {
    this.receiver.start(reception.receptionFd(), reception.receptionSlot, reception.receptionGeneration);
  }

  /** End of stream or error: the reception is over and the socket's read side goes back. */
  private finish(reception: CompletionReception): void {
    this.freeSlot(reception);
    reception.releaseSocket();
  }

  private freeSlot(reception: CompletionReception): void {
    if (reception.receptionState === OVER) return;
    reception.receptionState = OVER;
    this.slots[reception.receptionSlot] = undefined;
    this.free.push(reception.receptionSlot);
    if (this.free.length === this.slots.length) slotReactor().setCompletionsOutstanding(false);
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

  private deliver(reception: CompletionReception, chunk: Buffer): void {
    this.delivered++;
    try {
      reception.next(chunk);
    } catch (error) {
      reportUncaught(error);
    }
  }

  /** An arrival taken where it is (see {@link CompletionReception.nextInPlace}); its buffer goes back after. */
  private deliverInPlace(reception: CompletionReception, bufferId: number, length: number): void {
    if (!reception.closed) {
      this.delivered++;
      try {
        reception.nextInPlace!(this.receiver.buffer(bufferId), length);
      } catch (error) {
        reportUncaught(error);
      }
    }
    this.receiver.giveBack(bufferId);
  }

  /** Completes (no `error`) or fails the sink, unless it has left. */
  private call(reception: CompletionReception, error: unknown): void {
    if (reception.closed) return;
    try {
      if (error === undefined) reception.complete();
      else reception.error(error);
    } catch (e) {
      reportUncaught(e);
    }
  }

  start(reception: CompletionReception): void {
    if (this.free.length === this.slots.length) slotReactor().setCompletionsOutstanding(true);
    const slot = this.free.pop() ?? this.slots.length;
    this.generation = (this.generation + 1) >>> 0;
    reception.receptionSlot = slot;
    reception.receptionGeneration = this.generation;
    reception.receptionState = RECEIVING;
    reception.takeReadSide();
    this.slots[slot] = reception;
    this.post(reception);
    this.receiver.submit();
  }
}

let receiving: Receptions | null | undefined;

function receptions(): Receptions | null {
  if (receiving !== undefined) return receiving;
  const receiver = streamReceiver();
  if (receiver === null) return (receiving = null);
  const reactor = slotReactor();
  const made = new Receptions(receiver, reactor);
  // Throws on a worker thread, as every wait on a socket does: nothing is kept then.
  reactor.attachCompletionQueue(receiver.fd, made);
  return (receiving = made);
}

/**
 * @internal A read about to wait takes the completions already in memory (see
 * {@link Receptions.takeNow}): where its peer is in this process, the peer's answer, or the
 * arrival another read of this process waits for, is taken now instead of at the reactor's next
 * round, saving the round's job run. True if any was taken.
 */
export function takeArrivalsNow(): boolean {
  return receiving?.takeNow() ?? false;
}

/**
 * @internal For tests: receptions whose kernel request is still posted or being cancelled,
 * chunks delivered so far, hand-offs to the readiness readers, completions taken by reads about
 * to wait and the pool's buffers; null where receiving by completion is not done.
 */
export function receptionStats(): { live: number; delivered: number; handOffs: number; takenEarly: number; poolSize: number } | null {
  const r = receptions();
  if (r === null) return null;
  return { live: r.slots.length - r.free.length, delivered: r.delivered, handOffs: r.handOffs, takenEarly: r.takenEarly, poolSize: r.receiver.poolSize };
}
