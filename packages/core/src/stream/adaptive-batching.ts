/**
 * Adaptive batching for datagram readers, in the manner of a NIC's adaptive interrupt
 * moderation: while traffic is light every datagram is read at its readiness edge (no added
 * latency); once a stream of datagrams is arriving faster than wake-ups can pay for themselves,
 * the reader rests a millisecond after each drain so that what arrives meanwhile is read in full
 * `recvmmsg` batches; when the stream thins it goes back to edges.
 *
 * The decision is taken per window of {@link WINDOW_MS}, from two measurements:
 * - the arrival rate: batching pays only above {@link ENTER_RATE} datagrams/s (at 200k/s a
 *   wake-up costs more than the one to three datagrams it finds);
 * - datagrams per wake-up: a closed request/response loop (one datagram in flight) finds exactly
 *   one per wake-up whatever its rate, and a rest would only add its length to every round
 *   trip; so batching starts only when wake-ups already find more than one on average.
 * And two limits, so that batching never turns CPU savings into loss:
 * - the receive buffer must hold what arrives during a rest (rate × rest at the kernel's
 *   per-datagram cost);
 * - the kernel's drop counter (SO_RXQ_OVFL) is watched: a drop while batching ends it at once,
 *   and batching may not start again for {@link DROP_HOLD_OFF_MS}, doubled at every further
 *   drop-triggered exit (bursts the buffer check cannot foresee), up to {@link MAX_HOLD_OFF_MS}.
 */

/** How long each measurement window lasts (ms). */
export const WINDOW_MS = 10;
/** Arrival rate (datagrams/s) above which batching may start. */
export const ENTER_RATE = 50_000;
/** Arrival rate below which batching stops (hysteresis, so the mode does not flap). */
export const EXIT_RATE = 20_000;
/** Average datagrams per wake-up above which the traffic is a stream, not a closed loop. */
export const ENTER_PER_WAKEUP = 1.2;
/** The rest: one timer tick, the shortest a Node timer waits. */
export const REST_MS = 1;
/** How long batching stays off after a drop ended it (ms); doubles at each new drop. */
export const DROP_HOLD_OFF_MS = 1000;
/** The longest hold-off (ms). */
export const MAX_HOLD_OFF_MS = 60_000;
/**
 * What the kernel charges a small datagram against SO_RCVBUF, beyond its payload (the skb and
 * its bookkeeping; about 768 bytes on x86-64 loopback), rounded up to stay on the safe side.
 */
const KERNEL_COST_PER_DATAGRAM = 1024;

/**
 * @internal The measurements and the mode of one reader. `received` is told every batch read;
 * `restAfterDrain` is asked when a turn that read something drained the socket.
 */
export class AdaptiveBatching {
  private windowStart = 0;
  private datagrams = 0;
  private bytes = 0;
  private wakeups = 0;
  private batching = false;
  private dropsInWindow = 0;
  private holdOffUntil = 0;
  private holdOff = DROP_HOLD_OFF_MS;

  /** @param receiveBuffer - Reads the socket's SO_RCVBUF (bytes the kernel may hold). */
  constructor(private readonly receiveBuffer: () => number) {}

  /** Whether the reader is in its batching mode (for tests and diagnostics). */
  get active(): boolean {
    return this.batching;
  }

  /** Counts a batch of `n` datagrams holding `bytes` of payload. */
  received(n: number, bytes: number): void {
    this.datagrams += n;
    this.bytes += bytes;
  }

  /**
   * The kernel dropped `n` datagrams (its receive buffer was full). Batching, if on, stops now:
   * reading at every edge is the fastest this reader can drain.
   */
  dropped(n: number): void {
    if (n <= 0) return;
    this.dropsInWindow += n;
    if (!this.batching) return;
    this.batching = false;
    this.holdOffUntil = performance.now() + this.holdOff;
    this.holdOff = Math.min(2 * this.holdOff, MAX_HOLD_OFF_MS);
  }

  /** How long to rest before reading again (0: wait for the next edge). */
  restAfterDrain(): number {
    this.wakeups++;
    const now = performance.now();
    const elapsed = now - this.windowStart;
    if (elapsed >= WINDOW_MS) {
      this.decide(elapsed, now);
      this.windowStart = now;
      this.datagrams = 0;
      this.bytes = 0;
      this.wakeups = 0;
      this.dropsInWindow = 0;
    }
    return this.batching ? REST_MS : 0;
  }

  private decide(elapsedMs: number, now: number): void {
    const rate = (this.datagrams * 1000) / elapsedMs;
    if (this.batching) {
      if (rate < EXIT_RATE) this.batching = false;
      return;
    }
    if (rate < ENTER_RATE || this.datagrams < ENTER_PER_WAKEUP * this.wakeups) return;
    if (this.dropsInWindow > 0 || now < this.holdOffUntil) return;
    // What one rest gathers (twice the rate seen, for a burst) must fit in half the buffer.
    const perDatagram = this.bytes / this.datagrams + KERNEL_COST_PER_DATAGRAM;
    const gathered = ((2 * rate * REST_MS) / 1000) * perDatagram;
    let buffer = 0;
    try {
      buffer = this.receiveBuffer();
    } catch {
      return; // the socket is going away
    }
    this.batching = gathered <= buffer / 2;
  }
}
