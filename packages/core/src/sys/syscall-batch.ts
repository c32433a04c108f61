/**
 * Many sends in one system call, where the OS offers a way (Linux: io_uring, see
 * io-uring-batch.ts). A system call is the largest cost of a small message: on the machines this
 * project is measured on, a null system call through koffi takes 1.2-1.3 us and a 100-byte send
 * 2.0 us, against 0.34 us per send when 64 go in one `io_uring_enter`. The writers flushed by
 * one microtask (a server answering many connections in one wake-up) go out in one batch.
 *
 * A batch is synchronous: {@link SyscallBatch.run} returns with every result known and nothing
 * left in the kernel's hands, so the callers keep the semantics of a direct `send()`.
 */
import { IoUringBatch } from './io-uring-batch.js';

/** {@link SyscallBatch.result} of a send that did not go out (the batch failed): send it directly. */
export const NOT_SENT = -0x8000_0000;

/** Sends staged in shared memory, made together by {@link SyscallBatch.run}. Main thread only. */
export interface SyscallBatch {
  /** Sends one batch holds. */
  readonly capacity: number;
  /** The staging memory: what a send carries is copied here first, at {@link SyscallBatch.stage}'s offset. */
  readonly staging: Buffer;
  /** Sends queued since the last run. */
  readonly count: number;
  /** Whether one more send of `bytes` fits in this batch. */
  room(bytes: number): boolean;
  /** Reserves `bytes` of staging memory (after {@link SyscallBatch.room}); returns their offset. */
  stage(bytes: number): number;
  /**
   * Queues `send(fd, staging + offset, length, flags | MSG_DONTWAIT)`; returns its index for
   * {@link SyscallBatch.result}.
   */
  send(fd: number, offset: number, length: number, flags: number): number;
  /** Makes every queued send, and returns once all their results are known. */
  run(): void;
  /** The result of send `index` of the last run: bytes taken, `-errno`, or {@link NOT_SENT}. */
  result(index: number): number;
}

let shared: SyscallBatch | null | undefined;

/**
 * The process's batch, made on first use; null where the OS has none, where io_uring is refused
 * (sysctl `kernel.io_uring_disabled`, seccomp in many containers, kernels before 5.5), or with
 * the environment variable `RXSOCK_IO_URING=0`: then every send is its own system call, as before.
 */
export function syscallBatch(): SyscallBatch | null {
  if (shared === undefined) {
    shared = null;
    if (process.platform === 'linux' && process.env.RXSOCK_IO_URING !== '0') {
      try {
        shared = new IoUringBatch();
      } catch {
        // refused: sends stay one system call each
      }
    }
  }
  return shared;
}

/** @internal For tests: replaces the process's batch (null: none), returns the previous one. */
export function swapSyscallBatch(batch: SyscallBatch | null): SyscallBatch | null {
  const previous = syscallBatch();
  shared = batch;
  return previous;
}
