/**
 * Receives from many stream sockets by completion instead of readiness: one request per socket
 * stays posted in the kernel and every arrival comes back as a completion, with its bytes
 * already in a buffer the kernel picked from a shared pool. A socket then costs no `epoll_wait`
 * and no `recv` per arrival: where the sender is in this process (a send's return runs the
 * kernel's work), the bytes are there when the send returns, and taking them costs no system
 * call at all.
 *
 * The interface is the OS-independent part; Linux's is io_uring (io-uring-receiver.ts): a
 * multishot RECV per socket on a ring of provided buffers. Elsewhere, or where the kernel refuses
 * io_uring or is older than 6.0, there is none, and readers read on readiness as before.
 */
import { release } from 'node:os';
import { IoUringReceiver } from './io-uring-receiver.js';

/** What one completion reports (see {@link StreamReceiver.reap}). */
export interface ReceiverCompletion {
  /** The tag the receive was started with. */
  (slot: number, generation: number, result: number, bufferId: number, more: boolean): void;
}

/** Receives by completion from many stream sockets, each tagged (slot, generation). */
export interface StreamReceiver {
  /** An fd that polls readable while completions wait to be reaped. */
  readonly fd: number;
  /** Size of every pool buffer: the most one completion carries. */
  readonly bufferSize: number;
  /** Queues a receive that stays posted until the end of stream, an error or a cancel. */
  start(fd: number, slot: number, generation: number): void;
  /** Queues the cancel of the receive tagged (slot, generation); its last completion then says ECANCELED. */
  cancel(slot: number, generation: number): void;
  /** Submits what was queued, in one system call. */
  submit(): void;
  /** Whether completions wait (a memory read, no system call). */
  pending(): boolean;
  /**
   * Calls `onCompletion` for up to `max` waiting completions, in order: `result` is a byte
   * count (the bytes are in pool buffer `bufferId`, which must then be given back or taken), 0 at
   * end of stream, or -errno (`bufferId` -1); `more` says the receive stays posted. Returns how
   * many there were.
   */
  reap(max: number, onCompletion: ReceiverCompletion): number;
  /** The slot tag of the next completion to reap, or -1 when none waits in memory. */
  nextSlot(): number;
  /** Pool buffer `bufferId`'s memory. */
  buffer(bufferId: number): Buffer;
  /** Hands pool buffer `bufferId` back to the kernel for a later arrival. */
  giveBack(bufferId: number): void;
  /**
   * Hands pool buffer `bufferId`'s memory to the caller for good (a chunk handed over without a
   * copy), and puts `replacement` (at least {@link StreamReceiver.bufferSize} bytes) in its place.
   */
  replace(bufferId: number, replacement: Buffer): void;
  /** Adds buffers to the pool after a receive ran out (ENOBUFS); false once it is at its largest. */
  grow(): boolean;
  /** How many buffers the pool has. */
  readonly poolSize: number;
}

let shared: StreamReceiver | null | undefined;

/** Linux 6.0 brought multishot RECV; provided-buffer rings came in 5.19. */
function kernelHasMultishotRecv(): boolean {
  const [major = 0] = release().split('.').map(Number);
  return major >= 6;
}

/**
 * The process's receiver, made on first use; null where receiving by completion cannot be done
 * (not Linux, `RXSOCK_IO_URING=0`, a kernel before 6.0 or one that refuses io_uring).
 */
export function streamReceiver(): StreamReceiver | null {
  if (shared !== undefined) return shared;
  shared = null;
  if (process.platform === 'linux' && process.env.RXSOCK_IO_URING !== '0' && kernelHasMultishotRecv()) {
    try {
      shared = new IoUringReceiver();
    } catch {
      shared = null;
    }
  }
  return shared;
}
