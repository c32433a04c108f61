/**
 * A socket's readiness, as the poller reports it, and the operations waiting for it.
 *
 * Operations wait as attempts, not as bare wake-ups: when an edge arrives the pending attempts
 * run right there, in FIFO order, and each promise settles with its result. A `recv` that had
 * to wait thus costs one promise and one continuation, not a wake-up, a re-check and a retry.
 *
 * Kept apart from the Socket object on purpose: the reactor holds this object strongly (it is the
 * registered source), so it must not hold the Socket, or a socket dropped without close() could
 * never be garbage-collected and closed by the finalizer.
 */
import { Interest, Ready, type ReadySource } from '../poller/api.js';
import { slotReactor, type SlotReactor } from '../poller/reactor.js';
import { CALL_NOT_MADE, READ_AHEAD_BYTES, recvBatch, type SyscallBatch } from '../sys/syscall-batch.js';
import { quietRead } from './bulk-transfer.js';

/**
 * One try of a waiting operation: a result >= 0 completes it, -1 means "not ready yet" (the
 * attempt has cleared the ready flag), a throw fails it.
 */
export type Attempt = () => number;

const READY_NOW: Attempt = () => 0;

/**
 * What {@link IoState.takeReadAhead} says when nothing arrived yet and a kernel request receives
 * by completion: not ready, and the read must not be made directly.
 */
export const NOT_READY = -0x7fff_ffff; // no -errno can be this

interface PendingOp {
  attempt: Attempt;
  resolve: (n: number) => void;
  reject: (e: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

type Kind = 'read' | 'write';

/**
 * The object form of a one-shot readable callback (`Socket.onNextReadable`): a reader
 * that implements it needs no closure of its own, which matters with thousands of idle sockets.
 */
export interface ReadableListener {
  /** Called once at the next readable edge, or with the error that closed the socket. */
  onReadable(error?: unknown): void;
  /**
   * Optional: how many bytes the listener's first read at the edge asks for with a plain
   * `recv` (0: it will not read). A listener that says so has that read made ahead, together
   * with the other sockets of the wake-up (see {@link ReadySource.prepareRead}).
   */
  readAhead?(): number;
}

/** A one-shot readable callback, as a function or as a {@link ReadableListener}. */
export type ReadListener = ((error?: unknown) => void) | ReadableListener;

function callListener(listener: ReadListener, error?: unknown): void {
  if (typeof listener === 'function') listener(error);
  else listener.onReadable(error);
}

// Bits of IoState.bits.
const READ_READY = 1;
const READ_CLOSED = 2;
const WRITE_READY = 4;
const REFERENCED = 8;
/** Inside a listener call, whose waiter slot is still counted. */
const CALLING_LISTENER = 16;
/** Bytes taken from the kernel early wait in `leftovers` (a read made ahead, or arrivals by completion). */
const LEFTOVER = 32;
/** A kernel request receives the fd's bytes by completion: no read may be made directly. */
const COMPLETION_READS = 64;
/** A bulk transfer sent the fd's reads to readiness: no completion request while it lasts. */
const READINESS_ONLY = 128;
/** Readability is not wanted (flow control, `setInterest`): nothing is received by completion. */
const READ_PAUSED = 256;
/** Above this shift: 1 + the index of this fd's read in the receive batch being dispatched. */
const READ_AHEAD_SHIFT = 9;

/**
 * Bytes taken from the kernel before a read asked for them: a read made ahead (see
 * {@link IoState.prepareRead}) that its wake-up left untaken, or an arrival by completion.
 */
interface Leftover {
  /** What recv returned: a byte count (the bytes are in `data`), 0 at end of stream, or -errno. */
  result: number;
  data: Buffer | undefined;
  /** Whether more may be queued in the kernel behind it (a read made ahead that filled all it asked for). */
  full: boolean;
}

/** What was taken early and not yet read, oldest first, and how many bytes that is. */
class Leftovers {
  readonly items: Leftover[] = [];
  bytes = 0;
}

/**
 * What each fd had taken early and not yet read: rare for reads made ahead (a reader paused or
 * closed by another connection's handler in the same wake-up), so kept here and not as a field
 * of every socket.
 */
const leftovers = new WeakMap<IoState, Leftovers>();

/**
 * The arrival being taken where the kernel put it (see {@link IoState.receivedInPlace}), while
 * the reads that waited for it run: `memory` from `offset` to `end` is not read yet.
 */
const inPlace = { io: undefined as IoState | undefined, memory: Buffer.alloc(0) as Buffer, offset: 0, end: 0 };

/** Of each socket a bulk transfer sent to readiness: its reads that waited since its last bulk read. */
const quietWaits = new WeakMap<IoState, number>();

/** The kernel request that receives an fd's bytes by completion (see {@link IoState.beginCompletionReads}). */
export interface CompletionReads {
  /** Cancels the request now, before the fd is closed; bytes not yet delivered are dropped. */
  stop(): void;
  /** Ends the request without losing a byte; its last completion calls {@link IoState.endCompletionReads}. */
  returnToReadiness(): boolean;
}

/** The request of each fd that receives by completion. */
const completionReads = new WeakMap<IoState, CompletionReads>();

/** The shared reactor, looked up once (it lives as long as the process). */
let sharedReactor: SlotReactor | undefined;

function host(): SlotReactor {
  return (sharedReactor ??= slotReactor());
}

/**
 * Readiness of one fd, edge-triggered, with its queues of waiting operations. It is its own
 * reactor source and keeps only its slot number, so a socket costs no registration object.
 */
export class IoState implements ReadySource {
  /**
   * The boolean state below, as bits of one field: five booleans would cost a field each, and a
   * server holds one IoState per connection.
   */
  private bits = READ_READY | WRITE_READY | REFERENCED;

  /** Whether a read may succeed; false only after EAGAIN until the next readable edge. */
  get readReady(): boolean {
    return (this.bits & READ_READY) !== 0;
  }

  set readReady(value: boolean) {
    this.bits = value ? this.bits | READ_READY : this.bits & ~READ_READY;
  }

  /**
   * The peer shut down its side (RDHUP/HUP/ERR seen). Final: a short read no longer proves the
   * queue empty, because the FIN sits behind the data and its edge has already been used.
   */
  get readClosed(): boolean {
    return (this.bits & READ_CLOSED) !== 0;
  }

  /** Whether a write may succeed; false only after EAGAIN until the next writable edge. */
  get writeReady(): boolean {
    return (this.bits & WRITE_READY) !== 0;
  }

  set writeReady(value: boolean) {
    this.bits = value ? this.bits | WRITE_READY : this.bits & ~WRITE_READY;
  }

  /** Whether waiting operations keep the process alive (`Socket.ref`/`unref`). */
  get referenced(): boolean {
    return (this.bits & REFERENCED) !== 0;
  }

  /** The reactor slot, or -1 until the first wait registers the fd (and again once disposed). */
  private slot = -1;
  // Made when the first operation has to wait: an idle socket read by a listener has none.
  private readOps: PendingOp[] | undefined;
  private writeOps: PendingOp[] | undefined;
  // Set by dispose(): the error is made only when something asks for it (a waiter, a later
  // call), so closing an idle socket builds no Error and formats no stack.
  private closeReason: (() => unknown) | undefined;
  private closeError: unknown;
  private readListener: ReadListener | undefined;

  /**
   * @param fd - The socket's fd.
   * @param origin - Where the socket was created, for the leak warning (undefined unless origins
   *   are traced: `traceSocketOrigins`). Kept here because the
   *   finalizer holds this object, and it must not hold the Socket.
   */
  constructor(
    readonly fd: number,
    readonly origin: string | undefined,
  ) {}

  /** The poller's callback: runs the waiting operations of whatever became ready. */
  onReady(ready: number): void {
    if (ready & (Ready.READABLE | Ready.ERROR | Ready.HANGUP | Ready.READ_CLOSED | Ready.PRIORITY)) {
      this.bits |= ready & (Ready.ERROR | Ready.HANGUP | Ready.READ_CLOSED) ? READ_READY | READ_CLOSED : READ_READY;
      if (this.readOps !== undefined && this.readOps.length > 0) this.run(this.readOps);
      const listener = this.readListener;
      if (listener) {
        // The waiter is handed over, not dropped: a listener that re-arms itself from inside the
        // call (a read loop that drained the socket) keeps the count, and the driver's ref
        // state, untouched.
        this.readListener = undefined;
        this.bits |= CALLING_LISTENER;
        try {
          callListener(listener);
        } finally {
          this.bits &= ~CALLING_LISTENER;
          if (this.readListener === undefined && this.slot >= 0) host().removeWaiter(this.slot);
        }
      }
    }
    if (ready & (Ready.WRITABLE | Ready.ERROR | Ready.HANGUP)) {
      this.writeReady = true;
      if (this.writeOps !== undefined && this.writeOps.length > 0) this.run(this.writeOps);
    }
  }

  /**
   * {@link ReadySource.prepareRead}: at a readable edge, queues into `batch` the read the waiting
   * listener is about to make (when it says so through `readAhead`), so the reactor makes the
   * reads of a whole wake-up in one system call. {@link IoState.takeReadAhead} hands the result
   * to the next read of this fd.
   */
  prepareRead(ready: number, batch: SyscallBatch): boolean {
    if ((ready & Ready.READABLE) === 0 || this.bits >= 1 << READ_AHEAD_SHIFT || (this.bits & (LEFTOVER | COMPLETION_READS)) !== 0 || this.closeReason !== undefined) return false;
    const listener = this.readListener;
    if (listener === undefined || typeof listener === 'function' || listener.readAhead === undefined) return false;
    const wanted = listener.readAhead();
    if (wanted <= 0) return false;
    const length = Math.min(wanted, READ_AHEAD_BYTES);
    if (!batch.room(length)) return false;
    const index = batch.recv(this.fd, batch.stage(length), length, 0);
    this.bits |= (index + 1) << READ_AHEAD_SHIFT;
    return true;
  }

  /**
   * {@link ReadySource.finishRead}: the wake-up is over. A read made ahead that no one took (its
   * reader paused or closed meanwhile) is kept for whoever reads next, since the kernel no
   * longer has those bytes.
   */
  finishRead(batch: SyscallBatch): void {
    if (this.bits < 1 << READ_AHEAD_SHIFT) return;
    const index = (this.bits >>> READ_AHEAD_SHIFT) - 1;
    this.bits &= (1 << READ_AHEAD_SHIFT) - 1;
    const result = batch.take(index);
    if (result === CALL_NOT_MADE || this.closeReason !== undefined) return;
    this.keepLeftover(batch, index, 0, result);
    // Readable now, whatever the last read said: the bytes (or the end, or the error) are here.
    this.bits |= READ_READY;
  }

  /**
   * Keeps what read `index` of `batch` got from byte `from` on (its result `result`: bytes, 0
   * or -errno) for the next read of this fd, copied out of the staging memory.
   */
  private keepLeftover(batch: SyscallBatch, index: number, from: number, result: number): void {
    const at = batch.offsetOf(index) + from;
    const data = result > from ? Buffer.from(batch.staging.subarray(at, batch.offsetOf(index) + result)) : undefined;
    this.keep({ result: result > 0 ? result - from : result, data, full: result === batch.lengthOf(index) });
  }

  private keep(left: Leftover): void {
    let queue = leftovers.get(this);
    if (queue === undefined) leftovers.set(this, (queue = new Leftovers()));
    queue.items.push(left);
    queue.bytes += left.data?.length ?? 0;
    this.bits |= LEFTOVER;
  }

  /**
   * Whether the next read goes through {@link IoState.takeReadAhead}: bytes were taken early, or
   * a kernel request receives them by completion (then no read may be made directly).
   */
  get hasReadAhead(): boolean {
    // An arrival taken in place (inPlace) comes only while COMPLETION_READS is set.
    return this.bits >= 1 << READ_AHEAD_SHIFT || (this.bits & (LEFTOVER | COMPLETION_READS)) !== 0;
  }

  /** Whether a kernel request receives this fd's bytes by completion (see {@link IoState.beginCompletionReads}). */
  get completionReads(): boolean {
    return (this.bits & COMPLETION_READS) !== 0;
  }

  /**
   * Whether reads may be handed to a kernel request now: none is posted, no bulk transfer sent
   * them back to readiness, readability is wanted, nothing else listens for it, and the fd is open.
   */
  get mayReadByCompletion(): boolean {
    return (this.bits & (COMPLETION_READS | READINESS_ONLY | READ_PAUSED | CALLING_LISTENER)) === 0 && this.readListener === undefined && this.closeReason === undefined;
  }

  /**
   * A read is about to wait: whether a kernel request may receive for it by completion (see
   * {@link IoState.mayReadByCompletion}). A socket a bulk transfer sent to readiness stays there
   * until QUIET_READS (bulk-transfer.ts) reads in a row have waited with no bulk read between them.
   */
  readWaitsByCompletion(): boolean {
    if ((this.bits & READINESS_ONLY) !== 0) {
      if (!quietRead(quietWaits, this)) return false;
      this.bits &= ~READINESS_ONLY;
    }
    return this.mayReadByCompletion;
  }

  /** A read on readiness took BULK_READ (bulk-transfer.ts) bytes or more: the bulk transfer goes on. */
  bulkRead(): void {
    if ((this.bits & READINESS_ONLY) !== 0) quietWaits.delete(this);
  }

  /**
   * `reads` receives this fd's bytes from now on: readability is no longer watched (the
   * arrivals bring it), and every read takes from what arrived ({@link IoState.received}) and
   * waits while nothing did, never reading directly (the kernel request would race it).
   */
  beginCompletionReads(reads: CompletionReads): void {
    const slot = this.ensureRegistered();
    completionReads.set(this, reads);
    this.bits |= COMPLETION_READS;
    this.readReady = (this.bits & LEFTOVER) !== 0;
    host().setInterestOf(slot, host().interestOf(slot) & ~Interest.READABLE);
  }

  /**
   * The request is over (its last completion came, or it was stopped): reads go to the kernel
   * again once what arrived is read, and readability is watched again unless paused. `bulk`: the
   * stream turned bulk, and stays on readiness while it is (see
   * {@link IoState.readWaitsByCompletion}). Waiting reads run at the next arrival, or edge, or
   * {@link IoState.onReady} call.
   */
  endCompletionReads(bulk: boolean): void {
    if ((this.bits & COMPLETION_READS) === 0) return;
    completionReads.delete(this);
    this.bits &= ~COMPLETION_READS;
    if (bulk) this.bits |= READINESS_ONLY;
    if (this.closeReason !== undefined || (this.bits & READ_PAUSED) !== 0) return;
    // Bytes that came while it was unwatched raise no edge of their own: assume readable.
    this.readReady = true;
    host().setInterestOf(this.slot, host().interestOf(this.slot) | Interest.READABLE);
  }

  /**
   * An arrival by completion: `data` (its byte count `result`), or the end of stream (0) or an
   * error (-errno). Waiting reads and the read listener run now, as at a readable edge.
   */
  received(result: number, data?: Buffer): void {
    this.keep({ result, data, full: true });
    this.onReady(result > 0 ? Ready.READABLE : Ready.READABLE | Ready.READ_CLOSED);
  }

  /**
   * An arrival by completion of `length` bytes at the start of `memory`, valid during this call
   * only: the reads that wait take it from there, and only what they leave is copied and kept.
   * Bytes already kept come first, so then (and with no read waiting) it is all copied.
   */
  receivedInPlace(memory: Buffer, length: number): void {
    if ((this.bits & LEFTOVER) !== 0 || this.readOps === undefined || this.readOps.length === 0) {
      this.received(length, Buffer.from(memory.subarray(0, length)));
      return;
    }
    inPlace.io = this;
    inPlace.memory = memory;
    inPlace.offset = 0;
    inPlace.end = length;
    try {
      this.onReady(Ready.READABLE);
    } finally {
      inPlace.io = undefined;
      const { offset, end } = inPlace;
      if (offset < end) {
        this.keep({ result: end - offset, data: Buffer.from(memory.subarray(offset, end)), full: true });
        this.readReady = true;
      }
    }
  }

  /** Ends the request that receives by completion, if one is posted, keeping every byte it holds. */
  leaveCompletionReads(): void {
    if ((this.bits & COMPLETION_READS) !== 0) completionReads.get(this)!.returnToReadiness();
  }

  /** Bytes arrived by completion (or made ahead) and not yet read. */
  get unreadBytes(): number {
    return (this.bits & LEFTOVER) === 0 ? 0 : leftovers.get(this)!.bytes;
  }

  /** Whether a read operation waits (not counting the read listener). */
  get readWaiting(): boolean {
    return this.readOps !== undefined && this.readOps.length > 0;
  }

  /**
   * What the next `recv(fd, target, nbytes, flags)` returns when a read was made ahead: a byte
   * count (copied into `target`), 0 at end of stream, -errno, or {@link CALL_NOT_MADE} when there is
   * nothing made ahead (read directly). `peek` leaves it in place (MSG_PEEK). A read that came
   * back short clears the read readiness, as {@link IoState.shortRead} after a direct read.
   */
  takeReadAhead(target: Uint8Array, nbytes: number, peek: boolean): number {
    if (inPlace.io === this) return this.takeInPlace(target, nbytes, peek);
    if ((this.bits & LEFTOVER) !== 0) return this.takeLeftover(target, nbytes, peek);
    if (this.bits < 1 << READ_AHEAD_SHIFT) {
      if ((this.bits & COMPLETION_READS) === 0) return CALL_NOT_MADE;
      this.readReady = false;
      return NOT_READY;
    }
    const batch = recvBatch()!;
    const index = (this.bits >>> READ_AHEAD_SHIFT) - 1;
    const result = batch.result(index);
    if (result <= 0) {
      if (!peek) this.takeFromBatch(batch, index);
      return result;
    }
    const offset = batch.offsetOf(index);
    const n = Math.min(nbytes, result);
    batch.staging.copy(target, 0, offset, offset + n);
    if (peek) return n;
    this.takeFromBatch(batch, index);
    // The caller asked for less than was read: the rest waits for the next read.
    if (n < result) this.keepLeftover(batch, index, n, result);
    else if (result < batch.lengthOf(index)) this.shortRead();
    return n;
  }

  /** Takes (or with `peek` copies) up to `nbytes` of the arrival being taken in place. */
  private takeInPlace(target: Uint8Array, nbytes: number, peek: boolean): number {
    const start = inPlace.offset;
    if (start === inPlace.end) {
      // Taken by a read before this one: this one waits for the next arrival.
      this.readReady = false;
      return NOT_READY;
    }
    const n = Math.min(nbytes, inPlace.end - start);
    const memory = inPlace.memory;
    // A few bytes (a request, a ping) are copied by hand: Buffer#copy makes a view per call.
    if (n <= 16) for (let i = 0; i < n; i++) target[i] = memory[start + i]!;
    else target.set(memory.subarray(start, start + n));
    if (peek) return n;
    inPlace.offset = start + n;
    // All read: the next bytes come as an arrival.
    if (inPlace.offset === inPlace.end) this.readReady = false;
    return n;
  }

  /** The read made ahead is taken, whatever happens next: finishRead leaves it alone. */
  private takeFromBatch(batch: SyscallBatch, index: number): void {
    this.bits &= (1 << READ_AHEAD_SHIFT) - 1;
    batch.take(index);
  }

  /**
   * Takes (or with `peek` copies) up to `nbytes` of what was taken early, across arrivals as a
   * stream read would: bytes, or else the end (0) or error (-errno) that follows them.
   */
  private takeLeftover(target: Uint8Array, nbytes: number, peek: boolean): number {
    const queue = leftovers.get(this)!;
    const items = queue.items;
    let n = 0;
    let i = 0;
    while (i < items.length && n < nbytes) {
      const left = items[i]!;
      const data = left.data;
      // The end or an error comes alone, once the bytes before it are read.
      if (data === undefined) {
        if (n > 0) break;
        if (!peek) this.dropLeftovers(queue, 1, left);
        return left.result;
      }
      const m = Math.min(nbytes - n, data.length);
      target.set(m === data.length ? data : data.subarray(0, m), n);
      n += m;
      if (m < data.length) {
        if (!peek) {
          left.data = data.subarray(m);
          left.result -= m;
        }
        break;
      }
      i++;
    }
    if (peek) return n;
    queue.bytes -= n;
    if (i > 0) this.dropLeftovers(queue, i, items[i - 1]!);
    return n;
  }

  /** The first `count` leftovers are read, `last` the last of them. */
  private dropLeftovers(queue: Leftovers, count: number, last: Leftover): void {
    if (count < queue.items.length) {
      queue.items.splice(0, count);
      return;
    }
    this.forgetLeftover();
    // All read: with a request posted, the next bytes come as an arrival.
    if ((this.bits & COMPLETION_READS) !== 0) this.readReady = false;
    else if (!last.full) this.shortRead();
  }

  private forgetLeftover(): void {
    leftovers.delete(this);
    this.bits &= ~LEFTOVER;
  }

  /**
   * A read returned fewer bytes than asked of a stream socket: its queue is empty, and with
   * edge-triggered readiness the next byte brings a new edge, so the read that would only say
   * EAGAIN can be skipped (as tokio does) — unless the peer's FIN is queued (see readClosed).
   */
  shortRead(): void {
    if (!this.readClosed) this.readReady = false;
  }

  /**
   * Resolves once a read may succeed: at once if no EAGAIN was seen since the last readable edge,
   * otherwise at the next edge (or error/hang-up). Callers clear `readReady` on EAGAIN.
   */
  readable(signal?: AbortSignal): Promise<void> {
    if (this.readReady && this.closeReason === undefined) return Promise.resolve();
    return this.submit('read', READY_NOW, signal) as Promise<unknown> as Promise<void>;
  }

  /** Resolves once a write may succeed, like {@link IoState.readable}. */
  writable(signal?: AbortSignal): Promise<void> {
    if (this.writeReady && this.closeReason === undefined) return Promise.resolve();
    return this.submit('write', READY_NOW, signal) as Promise<unknown> as Promise<void>;
  }

  /**
   * Queues `attempt` to run at the next edge of `kind` (and after it, until it completes or
   * fails). The caller has just seen it fail with EAGAIN, so nothing is tried now.
   */
  submit(kind: Kind, attempt: Attempt, signal?: AbortSignal): Promise<number> {
    if (this.closeReason !== undefined) return Promise.reject(this.closedError());
    if (signal?.aborted) return Promise.reject(signal.reason);
    const slot = this.ensureRegistered();
    const queue = kind === 'read' ? (this.readOps ??= []) : (this.writeOps ??= []);
    return new Promise<number>((resolve, reject) => {
      const op: PendingOp = { attempt, resolve, reject, signal, onAbort: undefined };
      if (signal) {
        op.onAbort = () => {
          const live = kind === 'read' ? this.readOps : this.writeOps;
          const i = live === undefined ? -1 : live.indexOf(op);
          if (i < 0) return;
          live!.splice(i, 1);
          if (this.slot === slot) host().removeWaiter(slot);
          reject(signal.reason);
        };
        signal.addEventListener('abort', op.onAbort, { once: true });
      }
      host().addWaiter(slot);
      queue.push(op);
      // An edge may have come between the caller's EAGAIN and now only if it was dispatched in
      // between, which cannot happen: dispatch runs on this thread, later.
    });
  }

  /**
   * Arms (or with undefined, disarms) a one-shot callback for the next readable edge, or for the
   * error that closes the fd. The promise-free wait of hot stream loops: no allocation per wait,
   * and the reads happen inside the dispatch. While armed it counts as a waiter.
   */
  setReadListener(listener: ReadListener | undefined): void {
    if (listener !== undefined && this.closeReason !== undefined) {
      callListener(listener, this.closedError());
      return;
    }
    // A listener reads with the try* calls on readiness: the request ends, keeping what it holds.
    if (listener !== undefined) this.leaveCompletionReads();
    const calling = (this.bits & CALLING_LISTENER) !== 0;
    const was = this.readListener !== undefined || calling;
    this.readListener = listener;
    if (calling) return; // onReady settles the count when the call returns
    if (was === (listener !== undefined)) return;
    if (listener) host().addWaiter(this.ensureRegistered());
    else if (this.slot >= 0) host().removeWaiter(this.slot);
  }

  /** Registers the fd with the reactor now, so readiness is tracked before the first wait; returns the slot. */
  ensureRegistered(): number {
    if (this.slot < 0) {
      const slot = host().attach(this.fd, this, Interest.READABLE | Interest.WRITABLE, true);
      if (!this.referenced) host().setReferenced(slot, false);
      this.slot = slot;
    }
    return this.slot;
  }

  /**
   * Changes what the kernel reports (used by flow control to stop reading). Stopping reads ends
   * a request that receives by completion (the bytes it still holds are kept for the next read).
   */
  setInterest(interest: number): void {
    const slot = this.ensureRegistered();
    this.bits = interest & Interest.READABLE ? this.bits & ~READ_PAUSED : this.bits | READ_PAUSED;
    if ((this.bits & COMPLETION_READS) !== 0) {
      if ((interest & Interest.READABLE) === 0) this.leaveCompletionReads();
      // Readability stays unwatched until the request is over.
      interest &= ~Interest.READABLE;
    }
    const current = host().interestOf(slot);
    // Edges that came while a direction was masked were never seen: assume it may be ready.
    if (interest & ~current & Interest.READABLE) this.readReady = true;
    if (interest & ~current & Interest.WRITABLE) this.writeReady = true;
    host().setInterestOf(slot, interest);
  }

  ref(): void {
    this.bits |= REFERENCED;
    if (this.slot >= 0) host().setReferenced(this.slot, true);
  }

  unref(): void {
    this.bits &= ~REFERENCED;
    if (this.slot >= 0) host().setReferenced(this.slot, false);
  }

  /** Whether anything waits on this fd. */
  get waiting(): number {
    return (this.readOps?.length ?? 0) + (this.writeOps?.length ?? 0) + (this.readListener ? 1 : 0);
  }

  /**
   * Forgets the fd: leaves the selector (before the fd number can be reused by the OS) and fails
   * every waiting operation with the error `reason` makes (made once, and only if needed).
   */
  dispose(reason: () => unknown): void {
    this.closeReason = reason;
    if ((this.bits & LEFTOVER) !== 0) this.forgetLeftover();
    // Cancelled before the fd goes: a posted request holds the file, and no FIN would be sent.
    if ((this.bits & COMPLETION_READS) !== 0) {
      const reads = completionReads.get(this)!;
      completionReads.delete(this);
      this.bits &= ~COMPLETION_READS;
      reads.stop();
    }
    const ops = [...(this.readOps ?? []), ...(this.writeOps ?? [])];
    const slot = this.slot;
    this.slot = -1;
    if (slot >= 0) host().detach(slot);
    this.readOps = undefined;
    this.writeOps = undefined;
    // The slot went with its waiter counts: nothing left to remove.
    for (const op of ops) this.settle(op, undefined, this.closedError(), false);
    const listener = this.readListener;
    this.readListener = undefined;
    if (listener) callListener(listener, this.closedError());
  }

  /** The error dispose() was given, made on first use. */
  private closedError(): unknown {
    if (this.closeError === undefined) this.closeError = this.closeReason!();
    return this.closeError;
  }

  /** Runs the queued attempts of one direction until one is not ready. */
  private run(queue: PendingOp[]): void {
    // An attempt may close the socket: dispose() has settled everything queued then.
    while (queue.length > 0 && this.closeReason === undefined) {
      const op = queue[0]!;
      let result: number;
      try {
        result = op.attempt();
      } catch (error) {
        queue.shift();
        this.settle(op, undefined, error, true);
        continue;
      }
      if (result < 0) return;
      queue.shift();
      this.settle(op, result, undefined, true);
    }
  }

  /** Settles a waiting op, and takes its waiter off the registration when `counted`. */
  private settle(op: PendingOp, result: number | undefined, error: unknown, counted: boolean): void {
    if (counted && this.slot >= 0) host().removeWaiter(this.slot);
    if (op.onAbort) op.signal!.removeEventListener('abort', op.onAbort);
    if (result === undefined) op.reject(error);
    else op.resolve(result);
  }
}
