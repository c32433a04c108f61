/**
 * The Linux {@link Selector}: one epoll instance and one event array reused by every select, so
 * a wake-up allocates nothing.
 */
import { C, sys } from '../sys/index.js';
import type { SysCalls } from '../sys/index.js';
import { checked } from '../sys/calls.js';
import { errnoValue, systemError } from '../errors.js';
import type { Selector } from './api.js';
import type { EpollEventLayout } from './epoll-event.js';
import { epollMaskFor, readEpollEvents, readEpollToken, readyFromEpoll, writeEpollEvent } from './epoll-event.js';

const EINTR = errnoValue('EINTR') ?? 4;

/** How many events one select can return; more ready fds are picked up by the next round. */
export const DEFAULT_EPOLL_CAPACITY = 1024;

/** An epoll instance with a preallocated event array. Not thread-safe: main thread only. */
export class EpollSelector implements Selector {
  /** The epoll fd itself, which turns readable while any registered fd is ready. */
  readonly fd: number;
  /** How many events one select can return. */
  readonly capacity: number;
  readonly #sys: SysCalls;
  readonly #layout: EpollEventLayout;
  readonly #events: Buffer;
  readonly #view: DataView;
  // epoll_ctl copies its argument, so one scratch event serves every call.
  readonly #ctl: Buffer;
  readonly #ctlView: DataView;
  #closed = false;

  /** Creates the epoll instance (close-on-exec); throws the typed error when the kernel refuses. */
  constructor(capacity = DEFAULT_EPOLL_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    this.#sys = sys();
    this.#layout = { size: this.#sys.abi.epollEventSize, dataOffset: this.#sys.abi.epollDataOffset };
    this.capacity = capacity;
    // An explicit ArrayBuffer is always off the V8 heap, so its address is stable while the
    // thread-pool wait writes into it.
    this.#events = Buffer.from(new ArrayBuffer(capacity * this.#layout.size));
    this.#view = new DataView(this.#events.buffer, this.#events.byteOffset, this.#events.byteLength);
    this.#ctl = Buffer.from(new ArrayBuffer(this.#layout.size));
    this.#ctlView = new DataView(this.#ctl.buffer, this.#ctl.byteOffset, this.#ctl.byteLength);
    const s = this.#sys;
    this.fd = checked('epoll_create1', () => s.epollCreate1(C.EPOLL_CLOEXEC));
  }

  /** EPOLL_CTL_ADD with `token` in the event's data field. */
  register(fd: number, token: number, interest: number, edge: boolean): void {
    this.#ctlOp(C.EPOLL_CTL_ADD, fd, token, interest, edge);
  }

  /** EPOLL_CTL_MOD: new interest, new token, new trigger mode. */
  reregister(fd: number, token: number, interest: number, edge: boolean): void {
    this.#ctlOp(C.EPOLL_CTL_MOD, fd, token, interest, edge);
  }

  /** EPOLL_CTL_DEL. */
  deregister(fd: number): void {
    // A non-null event keeps kernels before 2.6.9 happy and costs nothing.
    this.#ctlCall(C.EPOLL_CTL_DEL, fd);
  }

  /** epoll_wait into the reused array; returns how many events it holds. */
  select(timeoutMs: number): number {
    const s = this.#sys;
    const epfd = this.fd;
    const events = this.#events;
    const cap = this.capacity;
    return checked('epoll_wait', () => s.epollWait(epfd, events, cap, timeoutMs));
  }

  /**
   * epoll_wait on a libuv pool thread into the same array. The caller must not call
   * {@link EpollSelector.select} or read events until the promise settles: the other thread
   * owns the array meanwhile.
   */
  async selectAsync(timeoutMs: number): Promise<number> {
    const n = await this.#sys.epollWaitAsync(this.fd, this.#events, this.capacity, timeoutMs);
    if (n >= 0) return n;
    // errno is lost by the time the promise settles. A non-blocking retry here either fails
    // again with the real, persistent errno (thrown typed) or succeeds after an EINTR.
    return this.select(0);
  }

  /** The token of event `i` of the last select. */
  token(i: number): number {
    return readEpollToken(this.#view, i, this.#layout);
  }

  /** The {@link Ready} mask of event `i` of the last select. */
  ready(i: number): number {
    return readyFromEpoll(readEpollEvents(this.#view, i, this.#layout));
  }

  /** Closes the epoll fd; idempotent. Registered fds are not closed. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const s = this.#sys;
    checked('close', () => s.close(this.fd));
  }

  #ctlOp(op: number, fd: number, token: number, interest: number, edge: boolean): void {
    writeEpollEvent(this.#ctlView, 0, this.#layout, epollMaskFor(interest, edge), token);
    this.#ctlCall(op, fd);
  }

  /** epoll_ctl with the scratch event, EINTR retried; inline, as every socket registers once. */
  #ctlCall(op: number, fd: number): void {
    const s = this.#sys;
    while (s.epollCtl(this.fd, op, fd, this.#ctl) < 0) {
      const e = s.errno();
      if (e !== EINTR) throw systemError('epoll_ctl', e);
    }
  }
}
