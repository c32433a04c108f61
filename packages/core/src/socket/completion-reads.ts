/**
 * The core Socket's awaited stream reads (`recv`, `recvInto`, `recvFrom`, `recvMsg` without
 * ancillary data) by completion: when such a read has to wait, a kernel request is posted that
 * receives the socket's bytes as they arrive (stream/received-chunks.ts), and the read, and every
 * read after it, takes them from memory. A request/response exchange then costs one system call
 * per message (the send) instead of three (send, epoll_wait, recv).
 *
 * Bytes are taken from the kernel only while someone reads: the request is ended, keeping what it
 * already holds for the next read, when no read has waited for an arrival through a whole sweep
 * period (a reader that went away), when 64 KiB arrived unread, when reads are paused, when a read
 * listener (a stream reader) takes over, or for a `recvMsg` that wants ancillary data. A stream
 * that turns bulk (an arrival of 32 KiB or more) goes back to readiness, where big reads are
 * cheaper, until 16 reads in a row have waited with no read of 32 KiB or more between them: then
 * the next read that waits posts a request again.
 *
 * The sweep is coarse on purpose: a loop that awaits other work between its reads (a handler that
 * queries something, then reads the next request) keeps its request, and its reads stay free of
 * system calls. Ending the request at the first turn without a waiting read cost such a loop a
 * cancel, two epoll_ctl, an EAGAIN and a re-post per message: two system calls more than reading
 * on readiness.
 *
 * The request holds no Socket, only its IoState: a socket dropped without close() can still be
 * collected, and its finalizer's dispose() cancels the request before closing the fd.
 */
import { CompletionReception } from '../stream/received-chunks.js';
import { Ready } from '../poller/api.js';
import { BULK_READ } from './bulk-transfer.js';
import type { IoState } from './io-state.js';

/** Unread bytes at which the request ends and the rest waits in the kernel (flow control). */
const MAX_UNREAD = 65536;
/** How often the requests whose reader went away are looked for. */
const IDLE_SWEEP_MS = 500;

/** The posted requests, swept while there are any. */
const posted = new Set<SocketReception>();
let sweeper: ReturnType<typeof setInterval> | undefined;

function sweep(): void {
  for (const reception of posted) reception.sweep();
  if (posted.size === 0 && sweeper !== undefined) {
    clearInterval(sweeper);
    sweeper = undefined;
  }
}

class SocketReception extends CompletionReception {
  // Its sink only settles the socket's waiting reads.
  override readonly settlesOnly = true;
  closed = false;
  private bulk = false;
  /** A read waited for an arrival since the last sweep (true at first: a new request gets a whole period). */
  private used = true;

  constructor(readonly io: IoState) {
    super();
  }

  /** A bulk arrival (smaller ones come in place, {@link SocketReception.nextInPlace}). */
  next(chunk: Buffer): void {
    if (chunk.length >= BULK_READ) this.bulk = true;
    this.arrived(chunk, chunk.length, false);
  }

  override nextInPlace(memory: Buffer, length: number): void {
    this.arrived(memory, length, true);
  }

  private arrived(data: Buffer, length: number, inPlace: boolean): void {
    if (this.io.readWaiting) this.used = true;
    if (inPlace) this.io.receivedInPlace(data, length);
    else this.io.received(length, data);
    if (this.io.unreadBytes >= MAX_UNREAD) this.returnToReadiness();
  }

  /** A sweep: no read waited since the last one, and none waits now: the request ends, keeping what it holds. */
  sweep(): void {
    if (this.used || this.io.readWaiting) this.used = false;
    else this.returnToReadiness();
  }

  complete(): void {
    this.io.received(0);
  }

  error(error: unknown): void {
    const errno = (error as { errno?: number }).errno;
    this.io.received(-(errno ?? 5)); // EIO if the error carries none
  }

  receptionFd(): number {
    return this.io.fd;
  }

  takeReadSide(): void {
    this.io.beginCompletionReads(this);
    posted.add(this);
    sweeper ??= setInterval(sweep, IDLE_SWEEP_MS).unref();
  }

  releaseSocket(): void {
    posted.delete(this);
    this.io.endCompletionReads(this.bulk);
  }

  /** The request is over and the socket readable on readiness: the waiting reads try now. */
  override receiveOnReadiness(): void {
    this.io.onReady(Ready.READABLE);
  }
}

/**
 * A read on `io` is about to wait: posts a request that receives the stream's bytes by
 * completion, where the kernel and the socket's state allow it (see {@link IoState.readWaitsByCompletion}).
 * The caller has checked that the socket is a TCP one: its bytes carry no ancillary data that a
 * plain receive would drop (a UNIX socket's passed fds would be). True if the read waits for an
 * arrival by completion (a request is posted, new or not).
 */
export function startCompletionReads(io: IoState): boolean {
  if (io.readWaitsByCompletion()) new SocketReception(io).startReceiving();
  return io.completionReads;
}

// A read that receives by completion and has just been queued to wait takes the arrivals already
// in memory (its own, or those another read of this process waits for).
export { takeArrivalsNow } from '../stream/received-chunks.js';
