/**
 * The read loop every socket source shares: it arms the fd's read interest only while its owner
 * wants bytes, drains until EAGAIN under edge-triggered readiness, and yields to the event loop
 * after a bounded number of reads so one busy socket cannot starve the others.
 */
import type { Socket } from '../socket/socket.js';
import type { ReadableListener } from '../socket/io-state.js';

/** What one read attempt of a {@link PumpHost} found. */
export type ReadStep = 'more' | 'blocked' | 'end';

/**
 * The owner of a read loop (the readers of this package): decides when to read and does the
 * reading; the loop does the waiting, the fairness and the read-interest changes.
 */
export interface PumpHost {
  /** Whether the owner can take more data now (consumer credit, queue under its high-water mark). */
  wantsRead(): boolean;
  /**
   * One non-blocking read: `'more'` when something was read (more may be queued), `'blocked'`
   * on EAGAIN, `'end'` when the source is finished. May throw the socket's typed error.
   */
  readOnce(): ReadStep;
  /** The read or the wait for readiness failed; the pump has already stopped. */
  fail(error: unknown): void;
  /**
   * After a turn that read something and then found the socket drained: milliseconds to rest
   * (read interest dropped) before reading again, or 0 to wait for the next edge. Without it the
   * pump's own `batchDelayMs` applies.
   */
  restAfterDrain?(): number;
  /**
   * Optional: the `nbytes` of the plain `recv` that {@link PumpHost.readOnce} makes. A host that
   * says so has its first read at an edge made ahead by the poller, in one system call with the
   * other sockets of the wake-up.
   */
  readSize?(): number;
}

/** Reads per wake-up before yielding to the event loop, unless the source says otherwise. */
export const DEFAULT_READS_PER_TURN = 16;

/** One function for every pump's deferred turn: `setImmediate` passes the pump along. */
function resumeTurn(pump: ReadPump): void {
  pump.resumeTurn();
}

/** One function for every pump's end of rest: `setTimeout` passes the pump along. */
function endRest(pump: ReadPump): void {
  pump.endRest();
}

/**
 * @internal
 * Drives a {@link PumpHost} from readiness. States: idle (interest dropped), reading (inside
 * {@link ReadPump.kick}), waiting for an edge, yielded (a setImmediate is pending), resting
 * (interest dropped for the batch delay, a timer pending), stopped.
 */
export class ReadPump implements ReadableListener {
  /** The read interest as this pump last set it; undefined until it has set it once. */
  private interest: boolean | undefined;
  private running = false;
  private stopped = false;
  private waiting = false;
  private immediate: NodeJS.Immediate | undefined;
  private restTimer: NodeJS.Timeout | undefined;

  /**
   * @param readsPerTurn - Reads per wake-up before yielding to the event loop.
   * @param batchDelayMs - After a turn that read something and then drained the socket, drop the
   * read interest for this long instead of waiting for the next edge, so that what arrives
   * meanwhile is read in full batches (0: read at every edge). A turn that finds nothing (as
   * after a rest with no traffic) waits for an edge, so an idle socket costs no timers.
   */
  constructor(
    private readonly socket: Socket,
    private readonly host: PumpHost,
    private readonly readsPerTurn = DEFAULT_READS_PER_TURN,
    private readonly batchDelayMs = 0,
  ) {}

  /** Whether the pump has the read interest armed (not idle or stopped). */
  get armed(): boolean {
    return !this.stopped && this.interest === true;
  }

  /** Whether {@link ReadPump.stop} was called. */
  get isStopped(): boolean {
    return this.stopped;
  }

  /**
   * Re-evaluates after the host's state changed (credit granted, queue drained, resumed, paused,
   * subscribed, unsubscribed). Reads at once when reading may resume: a level that was already
   * there when the interest was dropped produces no new edge.
   */
  kick(): void {
    if (this.stopped || this.running) return;
    try {
      if (!this.host.wantsRead()) {
        this.idle();
        return;
      }
      if (this.waiting || this.immediate || this.restTimer) return;
    } catch (e) {
      this.failWith(e);
      return;
    }
    this.turn();
  }

  /**
   * Stops for good: cancels any wait and gives the socket its read interest back, so a later
   * reader of the same socket (or `socket.recv`) is not left waiting on an edge that never comes.
   * Data still in the kernel stays there.
   */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.cancelWait();
    this.cancelTurn();
    if (this.interest === false && !this.socket.closed) {
      try {
        this.socket.setReadInterest(true);
      } catch {
        // the socket is going away; nothing to give back
      }
    }
  }

  /** @internal The deferred turn after a yield to the event loop. */
  resumeTurn(): void {
    this.immediate = undefined;
    this.kick();
  }

  /** @internal The end of a batch-delay rest: read what gathered. */
  endRest(): void {
    this.restTimer = undefined;
    this.kick();
  }

  private turn(): void {
    this.running = true;
    try {
      for (let reads = 0; ; reads++) {
        if (this.stopped) return;
        if (!this.host.wantsRead()) {
          this.idle();
          return;
        }
        if (reads >= this.readsPerTurn) {
          this.immediate = setImmediate(resumeTurn, this);
          return;
        }
        this.setInterest(true);
        const step = this.host.readOnce();
        if (step === 'blocked') {
          const restMs = reads === 0 ? 0 : this.host.restAfterDrain ? this.host.restAfterDrain() : this.batchDelayMs;
          if (restMs > 0) this.rest(restMs);
          else this.waitEdge();
          return;
        }
        if (step === 'end') {
          this.stop();
          return;
        }
      }
    } catch (e) {
      this.failWith(e);
    } finally {
      this.running = false;
    }
  }

  /** Drops the read interest: the kernel buffer fills and, for TCP, the window closes. */
  private idle(): void {
    this.cancelWait();
    this.cancelTurn();
    this.setInterest(false);
  }

  /**
   * Stops listening for the batch delay. The interest must go too: with it armed, every datagram
   * that lands would wake the poller for nothing.
   */
  private rest(ms: number): void {
    this.setInterest(false);
    const timer = setTimeout(endRest, ms, this);
    // Like an armed wait, a rest keeps the process alive only if the socket does.
    if (!this.socket.hasRef()) timer.unref();
    this.restTimer = timer;
  }

  private setInterest(on: boolean): void {
    if (this.interest === on) return;
    this.socket.setReadInterest(on);
    this.interest = on;
  }

  private waitEdge(): void {
    this.waiting = true;
    // A one-shot callback, not a promise: no allocation per wait, and the next reads run inside
    // the poller's dispatch. The pump is its own listener: no closure per reader.
    this.socket.onNextReadable(this);
  }

  /**
   * @internal {@link ReadableListener}: what the read at the coming edge asks for, if the host
   * reads with a plain `recv` and wants bytes now (0 otherwise).
   */
  readAhead(): number {
    if (!this.waiting || this.stopped || this.host.readSize === undefined) return 0;
    return this.host.wantsRead() ? this.host.readSize() : 0;
  }

  /** @internal {@link ReadableListener}: the edge (or the error) {@link ReadPump} waited for. */
  onReadable(error?: unknown): void {
    if (!this.waiting) return;
    this.waiting = false;
    if (error !== undefined) this.failWith(error);
    else this.kick();
  }

  private cancelWait(): void {
    if (!this.waiting) return;
    this.waiting = false;
    // Disarming removes the waiter, so an idle reader does not keep the process alive.
    if (!this.socket.closed) this.socket.onNextReadable(undefined);
  }

  private cancelTurn(): void {
    if (this.immediate) clearImmediate(this.immediate);
    this.immediate = undefined;
    if (this.restTimer) clearTimeout(this.restTimer);
    this.restTimer = undefined;
  }

  private failWith(e: unknown): void {
    this.stop();
    this.host.fail(e);
  }
}
