/**
 * Many sends or receives in one system call, where the OS offers a way (Linux: io_uring, see
 * io-uring-batch.ts). A system call is the largest cost of a small message: on the machines this
 * project is measured on, a null system call through koffi takes 1.2-1.3 us and a 100-byte send
 * 2.0 us, against 0.34 us per send when 64 go in one `io_uring_enter`. The writers flushed by
 * one microtask (a server answering many connections in one wake-up) go out in one batch, and
 * the stream readers a poller wake-up finds readable read in one batch.
 *
 * A batch is synchronous: {@link SyscallBatch.run} returns with every result known and nothing
 * left in the kernel's hands, so the callers keep the semantics of a direct `send()`.
 */
import { IoUringBatch } from './io-uring-batch.js';
import type { ReadySource } from '../poller/api.js';

/**
 * {@link SyscallBatch.result} of a call that was not made (the batch failed, or nothing was
 * queued under that index): the caller makes it directly.
 */
export const CALL_NOT_MADE = -0x8000_0000;

/**
 * Sends and receives staged in shared memory, made together by {@link SyscallBatch.run}: what
 * the poller hands {@link ReadySource.prepareRead}. Main thread only.
 */
export interface SyscallBatch {
  /** Calls one batch holds. */
  readonly capacity: number;
  /**
   * The staging memory: what a send carries is copied here first, and what a receive reads lands
   * here, at {@link SyscallBatch.stage}'s offset.
   */
  readonly staging: Buffer;
  /** Calls queued since the last run. */
  readonly count: number;
  /** Whether one more call of `bytes` fits in this batch. */
  room(bytes: number): boolean;
  /** Reserves `bytes` of staging memory (after {@link SyscallBatch.room}); returns their offset. */
  stage(bytes: number): number;
  /**
   * Queues `recv(fd, staging + offset, length, flags | MSG_DONTWAIT)`; returns its index. The
   * bytes are in the staging memory at {@link SyscallBatch.offsetOf} after the run.
   */
  recv(fd: number, offset: number, length: number, flags: number): number;
  /**
   * Queues `send(fd, staging + offset, length, flags | MSG_DONTWAIT)`; returns its index for
   * {@link SyscallBatch.result}.
   */
  send(fd: number, offset: number, length: number, flags: number): number;
  /** Makes every queued call, and returns once all their results are known. */
  run(): void;
  /** The result of call `index` of the last run: a byte count, `-errno`, or {@link CALL_NOT_MADE}. */
  result(index: number): number;
  /** {@link SyscallBatch.result}, forgotten: a later look finds {@link CALL_NOT_MADE}. */
  take(index: number): number;
  /** Where call `index` staged its bytes. */
  offsetOf(index: number): number;
  /** How many bytes call `index` staged (sent) or had room for (received). */
  lengthOf(index: number): number;
}

let sends: SyscallBatch | null | undefined;
let receives: SyscallBatch | null | undefined;

/**
 * Whether batches may be made: on Linux unless `RXSOCK_IO_URING=0`, and as long as the kernel
 * has not refused io_uring (sysctl `kernel.io_uring_disabled`, seccomp in many containers,
 * kernels before 5.5). Without, every call is its own system call, as it always was.
 */
function make(capacity: number, stagingBytes: number): SyscallBatch | null {
  if (process.platform !== 'linux' || process.env.RXSOCK_IO_URING === '0') return null;
  try {
    return new IoUringBatch(capacity, stagingBytes);
  } catch {
    return null;
  }
}

/**
 * The process's batch of sends (the writers' shared flush), made on first use; null where
 * batches cannot be made. 256 sends of up to 256 KiB together.
 */
export function sendBatch(): SyscallBatch | null {
  if (sends === undefined) sends = make(256, 256 * 1024);
  return sends;
}

/**
 * The process's batch of receives (the reads a poller wake-up is about to make), made on first
 * use; null where batches cannot be made. 128 receives of up to {@link READ_AHEAD_BYTES} each.
 */
export function recvBatch(): SyscallBatch | null {
  if (receives === undefined) receives = make(128, 128 * READ_AHEAD_BYTES);
  return receives;
}

/**
 * The most one batched receive reads: the request of a request/response protocol fits (an
 * echo's 100 bytes, an HTTP request); the rest of a larger arrival is read directly after it.
 */
export const READ_AHEAD_BYTES = 8 * 1024;

/** @internal For tests: replaces the process's send batch (null: none), returns the previous one. */
export function swapSendBatch(batch: SyscallBatch | null): SyscallBatch | null {
  const previous = sendBatch();
  sends = batch;
  return previous;
}

/** @internal For tests: replaces the process's receive batch (null: none), returns the previous one. */
export function swapRecvBatch(batch: SyscallBatch | null): SyscallBatch | null {
  const previous = recvBatch();
  receives = batch;
  return previous;
}
