/**
 * Datagrams (UDP, UNIX dgram, CAN, packet) have no end-to-end flow control: a slow reader only
 * moves the loss from one place to another. So the reader keeps draining the kernel in
 * `recvmmsg` batches into a bounded queue, applies an explicit overflow policy when the consumer
 * falls behind, and counts every loss, including the kernel's own (SO_RXQ_OVFL).
 */
import type { Observable } from 'rxjs';
import { LazySubject, rx } from '../rx/index.js';
import type { SocketAddress } from '../codec/address.js';
import { cmsgSpace, type ControlMessage } from '../codec/cmsg.js';
import { invalidArgument } from '../errors.js';
import { MessageBatch } from '../socket/message-batch.js';
import type { Socket } from '../socket/socket.js';
import { StreamErrorCode, streamError } from './errors.js';
import { AdaptiveBatching } from './adaptive-batching.js';
import { QueuedSource } from './queued-source.js';
import { ReadPump, type PumpHost, type ReadStep } from './source.js';

/**
 * What happens to a datagram that arrives while the queue is full: `'drop-newest'` discards it,
 * `'drop-oldest'` discards the head of the queue to make room, `'error'` fails the stream with
 * `ERR_RXSOCK_QUEUE_OVERFLOW`.
 */
export type OverflowPolicy = 'drop-newest' | 'drop-oldest' | 'error';

/** One received datagram, copied out of the receive batch. */
export interface Datagram {
  /** The payload (at most `slotSize` bytes; see `flags` for MSG_TRUNC). */
  data: Buffer;
  /** The sender, when the socket reports one. */
  address: SocketAddress | null;
  /** Ancillary data, including the SO_RXQ_OVFL counter when the kernel attached one. */
  ancillary: ControlMessage[];
  /** `msg_flags` (MSG_TRUNC when the datagram was longer than its slot, ...). */
  flags: number;
}

/** Options of a {@link DatagramReader}. */
export interface DatagramReaderOptions {
  /** Datagrams per `recvmmsg` call. Default 64. */
  batchSize?: number;
  /** Bytes per datagram slot; longer datagrams are truncated (MSG_TRUNC). Default 65536. */
  slotSize?: number;
  /** Datagrams the queue holds for a consumer without credit. Default 4096. */
  queueLimit?: number;
  /** What to do when the queue is full. Default `'drop-oldest'`. */
  overflow?: OverflowPolicy;
  /** Enable SO_RXQ_OVFL and count the kernel's drops. Default true. */
  kernelDrops?: boolean;
  /**
   * Ancillary bytes per datagram for control messages you want on each {@link Datagram} (size
   * them with `CMSG_SPACE`). With 0 (the default) datagrams carry no ancillary data; the drop
   * counter is read by the reader either way.
   */
  controlSize?: number;
  /** Decode each sender's address (default true). */
  addresses?: boolean;
  /** `recvmmsg` calls per readiness wake-up before yielding to the event loop. Default 4. */
  batchesPerTurn?: number;
  /**
   * How the reader paces its reads after draining the socket.
   *
   * `'auto'`: adaptive batching, like a NIC's adaptive interrupt moderation (the default of
   * inet's `udpSocket()`; core's readers default to 0). While
   * traffic is light each datagram is read at its readiness edge, with no added latency. When a
   * stream arrives faster than 50,000 datagrams/s and wake-ups already find more than one
   * datagram each (so not a request/response loop with one datagram in flight), the reader
   * rests 1 ms after each drain, with its read interest dropped, so that datagrams gather into
   * full `recvmmsg` batches: at 200,000/s that halves the CPU per datagram, for up to about 1-2
   * ms of added latency. Batching starts only if the receive buffer (SO_RCVBUF) can hold twice
   * what one rest gathers, and stops when the rate falls below 20,000/s, or at once when the
   * kernel drops a datagram (SO_RXQ_OVFL; it then stays off for 1 s, doubled at each further
   * drop, up to a minute). Drops are seen only with `kernelDrops` on (the default).
   *
   * A number: a fixed pause of that many milliseconds after every drain (0, the default: always
   * read at the edge). The receive buffer must hold rate × delay.
   * Either way a socket that finds nothing after a pause waits for traffic: an idle socket runs no
   * timers.
   */
  batchDelayMs?: number | 'auto';
}

/**
 * Turns received messages into the reader's items straight from the receive batch, instead of
 * the default copied-out {@link Datagram}: a family package (CAN) decodes its frames with one
 * object per message and no intermediate copy. Called synchronously; the batch is valid only
 * during the call.
 */
export interface DatagramDecoder<T> {
  /** Called once per `recvmmsg` batch of `count` messages, before {@link DatagramDecoder.decode}. */
  begin?(batch: MessageBatch, count: number): void;
  /**
   * Message `index` of `batch` as an item. A thrown error fails the stream (use typed errors,
   * such as core's `ERR_RXSOCK_DECODE`).
   */
  decode(batch: MessageBatch, index: number): T;
  /**
   * A receive call failed with `error`. Return true when the error belongs to one message, not
   * to the socket, and reading should go on: ISO-TP reports a failed transfer as the socket's
   * pending error, which the next receive call returns (and clears). Without this method, or
   * when it returns false, the error fails the stream.
   */
  recover?(error: unknown): boolean;
}

/**
 * Counts kept by a {@link DatagramReader}. Every datagram read is either delivered, still
 * queued, or counted as dropped: `received = delivered + queued + droppedNewest + droppedOldest`.
 */
export interface DatagramCounters {
  /** Datagrams read from the kernel. */
  received: number;
  /** Datagrams handed to the consumer. */
  delivered: number;
  /** Datagrams discarded on arrival because the queue was full (and the one that tripped `'error'`). */
  droppedNewest: number;
  /** Queued datagrams discarded to make room for newer ones. */
  droppedOldest: number;
  /** Datagrams the kernel dropped before they could be read (sum of the SO_RXQ_OVFL deltas). */
  kernelDrops: number;
}

function checkCount(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) throw invalidArgument(`${name} must be a positive integer, got ${String(value)}`);
  return value;
}

/** Payloads up to this many bytes are copied out by a loop rather than `Buffer.copy`. */
const SMALL_COPY = 128;

/** A longer pause is a misconfiguration: the receive buffer would have to hold seconds of traffic. */
const MAX_BATCH_DELAY_MS = 1000;

/**
 * @internal Checks the options of a {@link DatagramReader} and fills in the defaults; throws the
 * typed `EINVAL` its constructor would, for owners that make their reader only on first use.
 */
export function checkDatagramReaderOptions(options: DatagramReaderOptions = {}): Required<Pick<DatagramReaderOptions, 'batchSize' | 'slotSize' | 'queueLimit' | 'batchesPerTurn' | 'batchDelayMs' | 'overflow' | 'controlSize'>> {
  const batchDelayMs = options.batchDelayMs ?? 0;
  if (batchDelayMs !== 'auto' && (typeof batchDelayMs !== 'number' || !Number.isFinite(batchDelayMs) || batchDelayMs < 0 || batchDelayMs > MAX_BATCH_DELAY_MS)) {
    throw invalidArgument(`batchDelayMs must be 'auto' or between 0 and ${MAX_BATCH_DELAY_MS}, got ${String(batchDelayMs)}`);
  }
  const overflow = options.overflow ?? 'drop-oldest';
  if (!['drop-newest', 'drop-oldest', 'error'].includes(overflow)) throw invalidArgument(`unknown overflow policy ${String(overflow)}`);
  const controlSize = options.controlSize ?? 0;
  if (!Number.isSafeInteger(controlSize) || controlSize < 0) throw invalidArgument(`controlSize must be an integer >= 0, got ${String(controlSize)}`);
  return {
    batchSize: checkCount(options.batchSize, 64, 'batchSize'),
    slotSize: checkCount(options.slotSize, 65536, 'slotSize'),
    queueLimit: checkCount(options.queueLimit, 4096, 'queueLimit'),
    batchesPerTurn: checkCount(options.batchesPerTurn, 4, 'batchesPerTurn'),
    batchDelayMs,
    overflow,
    controlSize,
  };
}

/** Shared by every datagram without ancillary data. */
const NO_ANCILLARY: ControlMessage[] = Object.freeze([]) as unknown as ControlMessage[];

/**
 * A batched, bounded, credit-driven reader of a datagram socket.
 *
 * While subscribed it keeps reading whatever the consumer's credit, because stopping would only
 * let the kernel drop instead; datagrams beyond the credit wait in a queue of `queueLimit`, and
 * the overflow policy decides what is lost when that is full. Every loss is counted.
 *
 * @example
 * ```ts
 * const reader = new DatagramReader(udp, { overflow: 'drop-oldest', queueLimit: 1024 });
 * reader.kernelDrops$.subscribe((n) => log.warn(`kernel dropped ${n} datagrams`));
 * reader.datagrams$.subscribe((d) => handle(d.data));
 * reader.request(Infinity);
 * ```
 */
export class DatagramReader<T = Datagram> implements PumpHost {
  /**
   * The datagrams, as granted with {@link DatagramReader.request}. Errors with the socket's
   * typed {@link SocketError} or `ERR_RXSOCK_QUEUE_OVERFLOW`; completes on
   * {@link DatagramReader.close}. One subscriber at a time; unsubscribing stops reading.
   */
  get datagrams$(): Observable<T> {
    return (this.datagramsObservable ??= new (rx().Observable)<T>((subscriber) => this.source.attach(subscriber)));
  }

  /** Each time the kernel's cumulative drop counter moves, by how much (only deltas above 0). */
  get kernelDrops$(): Observable<number> {
    return this.drops.asObservable();
  }

  private readonly batch: MessageBatch;
  private readonly decoder: DatagramDecoder<T> | undefined;
  /** Whether the user asked for ancillary data (otherwise only the drop counter is read). */
  private readonly decodeAncillary: boolean;
  private readonly countDrops: boolean;
  private readonly queueLimit: number;
  private readonly policy: OverflowPolicy;
  private readonly pump: ReadPump;
  /** Subscriber, queue, credit and endings; it counts the datagrams delivered. */
  private readonly source: QueuedSource<T>;
  private readonly drops = new LazySubject<number>();
  private datagramsObservable: Observable<T> | undefined;
  /** The counters but `delivered`, which `source` keeps. */
  private readonly counts: Omit<DatagramCounters, 'delivered'> = { received: 0, droppedNewest: 0, droppedOldest: 0, kernelDrops: 0 };
  private lastKernelCount = 0;
  /** The `'auto'` pacing; undefined with a fixed {@link DatagramReaderOptions.batchDelayMs}. */
  private readonly adaptive: AdaptiveBatching | undefined;
  private readonly fixedDelayMs: number;

  /**
   * @param socket - A datagram socket (bound or connected). With `kernelDrops` (the default)
   * SO_RXQ_OVFL is switched on here.
   * @param options - Batching, queue, overflow policy and drop counting.
   * @param decoder - Makes the items from the receive batch; without it the items are
   * {@link Datagram}s (and `T` must be left at its default).
   * @throws {@link SocketError} for options out of range or when SO_RXQ_OVFL cannot be set.
   */
  constructor(
    private readonly socket: Socket,
    options: DatagramReaderOptions = {},
    decoder?: DatagramDecoder<T>,
  ) {
    this.decoder = decoder;
    const { batchSize, slotSize, queueLimit, batchesPerTurn, batchDelayMs, overflow, controlSize: extraControl } = checkDatagramReaderOptions(options);
    this.queueLimit = queueLimit;
    this.policy = overflow;
    const kernelDrops = options.kernelDrops ?? true;
    if (kernelDrops) socket.setOption('SO_RXQ_OVFL', true);
    const controlSize = extraControl + (kernelDrops ? cmsgSpace(4) : 0);
    this.batch = new MessageBatch(batchSize, slotSize, { addresses: options.addresses ?? true, controlSize });
    this.decodeAncillary = extraControl > 0;
    this.countDrops = kernelDrops;
    // The reader is its own pump host: no closures per reader (a server may hold thousands).
    this.adaptive = batchDelayMs === 'auto' ? new AdaptiveBatching(() => socket.getOption('SO_RCVBUF') as number) : undefined;
    this.fixedDelayMs = batchDelayMs === 'auto' ? 0 : batchDelayMs;
    this.pump = new ReadPump(socket, this, batchesPerTurn);
    this.source = new QueuedSource<T>(this.pump);
  }

  /** A snapshot of the counters. */
  get counters(): DatagramCounters {
    const c = this.counts;
    return { received: c.received, delivered: this.source.delivered, droppedNewest: c.droppedNewest, droppedOldest: c.droppedOldest, kernelDrops: c.kernelDrops };
  }

  /** Datagrams waiting in the queue for credit. */
  get queued(): number {
    return this.source.queue.length;
  }

  /**
   * Allows `n` more datagrams to be delivered (`Infinity`: no limit). Delivery may happen
   * synchronously, inside this call.
   * @throws {@link SocketError} `EINVAL` for a negative or fractional `n`.
   */
  request(n: number): void {
    this.source.request(n);
  }

  /**
   * Stops reading, drops the queue, completes the subscriber and `kernelDrops$`. The socket
   * stays open and gets its read interest back.
   */
  close(): void {
    if (this.source.close()) this.drops.complete();
  }

  /** Whether `'auto'` batching currently rests between batches (for tests and diagnostics). */
  get batching(): boolean {
    return this.adaptive?.active ?? this.fixedDelayMs > 0;
  }

  /** @internal {@link PumpHost}: how long to rest after a turn that read and drained the socket. */
  restAfterDrain(): number {
    return this.adaptive !== undefined ? this.adaptive.restAfterDrain() : this.fixedDelayMs;
  }

  /** @internal {@link PumpHost}: whether a subscriber wants datagrams now. */
  wantsRead(): boolean {
    const q = this.source;
    return q.consumer !== undefined && !q.closed && q.failure === undefined;
  }

  /** @internal {@link PumpHost}: one batch. */
  readOnce(): ReadStep {
    let n: number;
    try {
      n = this.socket.tryRecvBatch(this.batch);
    } catch (e) {
      // The error was the socket's pending one, now cleared: what is queued behind it is still there.
      if (this.decoder?.recover?.(e) === true) return 'more';
      throw e;
    }
    if (n <= 0) return 'blocked';
    const batch = this.batch;
    // The kernel's drop counter is cumulative, so the newest datagram of the batch has the
    // latest value: one look per batch instead of a control-message decode per datagram.
    if (this.countDrops) this.countKernelDrops(batch.dropCount(n - 1));
    if (this.decoder) return this.decodeBatch(batch, n, this.decoder);
    // One allocation holds the whole batch's payloads; each datagram gets a slice of it.
    let total = 0;
    for (let i = 0; i < n; i++) total += Math.min(batch.length(i), batch.slotSize);
    this.adaptive?.received(n, total);
    const store = Buffer.allocUnsafe(total);
    let offset = 0;
    const q = this.source;
    for (let i = 0; i < n; i++) {
      // The consumer may close or unsubscribe from inside next(); the rest of the batch is then unread.
      if (q.closed || q.failure !== undefined || !q.consumer) return 'more';
      this.counts.received++;
      if (q.queue.length >= this.queueLimit) {
        if (this.policy === 'drop-newest') {
          this.counts.droppedNewest++;
          continue;
        }
        if (this.policy === 'error') {
          this.counts.droppedNewest++;
          throw streamError(StreamErrorCode.QUEUE_OVERFLOW, `datagram queue full (${this.queueLimit} datagrams)`, 'recvmmsg');
        }
        q.dropOldest();
        this.counts.droppedOldest++;
      }
      const len = Math.min(batch.length(i), batch.slotSize);
      const start = i * batch.slotSize;
      if (len <= SMALL_COPY) {
        // A short loop beats building the typed-array views a native copy needs.
        const payload = batch.payload;
        for (let k = 0; k < len; k++) store[offset + k] = payload[start + k]!;
      } else batch.payload.copy(store, offset, start, start + len);
      const data = store.subarray(offset, offset + len);
      offset += len;
      q.push({ data, address: batch.address(i), ancillary: this.decodeAncillary ? batch.ancillary(i) : NO_ANCILLARY, flags: batch.flags(i) } as T);
    }
    return 'more';
  }

  /** {@link DatagramReader.readOnce} with the owner's decoder: the same queue rules, no copy. */
  private decodeBatch(batch: MessageBatch, n: number, decoder: DatagramDecoder<T>): ReadStep {
    decoder.begin?.(batch, n);
    const q = this.source;
    for (let i = 0; i < n; i++) {
      if (q.closed || q.failure !== undefined || !q.consumer) return 'more';
      this.counts.received++;
      if (q.queue.length >= this.queueLimit) {
        if (this.policy === 'drop-newest') {
          this.counts.droppedNewest++;
          continue;
        }
        if (this.policy === 'error') {
          this.counts.droppedNewest++;
          throw streamError(StreamErrorCode.QUEUE_OVERFLOW, `datagram queue full (${this.queueLimit} datagrams)`, 'recvmmsg');
        }
        q.dropOldest();
        this.counts.droppedOldest++;
      }
      q.push(decoder.decode(batch, i));
    }
    return 'more';
  }

  private countKernelDrops(total: number): void {
    if (total < 0) return;
    // The kernel's counter is a wrapping u32: the delta survives the wrap.
    const delta = (total - this.lastKernelCount) >>> 0;
    this.lastKernelCount = total;
    if (delta > 0) {
      this.adaptive?.dropped(delta);
      this.counts.kernelDrops += delta;
      this.drops.next(delta);
    }
  }

  /** @internal {@link PumpHost}: the read or the wait failed. */
  fail(error: unknown): void {
    if (this.source.fail(error, false)) this.drops.complete();
  }
}

/**
 * The datagrams of `socket` as an Observable: a synchronous `next()` counts as consumed. Errors
 * with typed {@link SocketError}s (`ERR_RXSOCK_QUEUE_OVERFLOW` under the `'error'` policy);
 * unsubscribing stops reading and leaves the socket open.
 *
 * @param socket - A datagram socket.
 * @param options - Batching, queue, overflow policy and drop counting.
 */
export function readDatagrams(socket: Socket, options?: DatagramReaderOptions): Observable<Datagram> {
  return new (rx().Observable)<Datagram>((subscriber) => {
    const reader = new DatagramReader(socket, options);
    // Credit first: granted after subscribing, the reader would read ahead before the first next().
    reader.request(Infinity);
    const inner = reader.datagrams$.subscribe(subscriber);
    return () => {
      reader.close();
      inner.unsubscribe();
    };
  });
}
