/**
 * The primary driver: a `uv_poll_t` on the epoll fd inside Node's own loop, so readiness is
 * dispatched from libuv's poll phase with no extra thread and no timer, and the handle's ref
 * state is what keeps the process alive, exactly like a `net.Socket`.
 */
import { SocketError } from '../errors.js';
import { sys, uv } from '../sys/index.js';
import type { UvCalls } from '../sys/index.js';
import type { Driver, DriverHost } from './driver.js';
import { reportUncaught } from './driver.js';

const UV_READABLE = 1;

/** Every driver whose handle memory libuv may still touch, by handle address. */
const handles = new Map<bigint, UvDriver>();

// One registered poll callback and one close callback serve every handle: koffi caps
// registrations (8192) and a registration per socket would also cost a slot each.
let callbacks: { poll: bigint; close: bigint } | undefined;

function sharedCallbacks(u: UvCalls): { poll: bigint; close: bigint } {
  return (callbacks ??= {
    poll: u.registerPollCallback((handle, status) => {
      try {
        handles.get(handle)?.onPoll(status);
      } catch (error) {
        reportUncaught(error);
      }
    }),
    close: u.registerCloseCallback((handle) => {
      try {
        handles.get(handle)?.onClose();
      } catch (error) {
        reportUncaught(error);
      }
    }),
  });
}

function uvError(u: UvCalls, call: string, code: number): SocketError {
  const name = u.errName(code);
  return new SocketError(`${call} ${name}`, { code: name, errno: -code, syscall: call });
}

/**
 * How many `uv_poll_t` handles are allocated and not yet released by their close callback; a
 * diagnostic that lets tests prove memory outlives `uv_close` until libuv is done with it.
 */
export function uvHandlesInUse(): number {
  return handles.size;
}

/** A `uv_poll_t` on the selector's fd, started readable, unreferenced until something waits. */
export class UvDriver implements Driver {
  /** Reported as `Reactor.driver`. */
  readonly kind = 'uv_poll' as const;
  readonly #uv: UvCalls;
  readonly #host: DriverHost;
  // The handle's memory: libuv links it into the loop's handle queue, so it must stay alive
  // (referenced from `handles`) until the close callback, whatever happens to this object.
  readonly #handle: Buffer;
  readonly #address: bigint;
  #state: 'open' | 'closing' | 'closed' = 'open';
  #referenced = false;
  #closed: Promise<void> | undefined;
  #resolveClosed: (() => void) | undefined;

  /** Starts polling `fd` (the selector's fd) on the main loop; main thread only. */
  constructor(fd: number, host: DriverHost) {
    const u = uv();
    if (!u.available) {
      throw new SocketError('rxsock: this node binary does not export libuv symbols; use RXSOCK_POLLER=thread', {
        code: 'ERR_NOT_SUPPORTED',
      });
    }
    this.#uv = u;
    this.#host = host;
    const cb = sharedCallbacks(u);
    this.#handle = Buffer.from(new ArrayBuffer(u.pollSize()));
    this.#address = sys().addressOf(this.#handle);
    const init = u.pollInit(u.defaultLoop(), this.#handle, fd);
    if (init < 0) throw uvError(u, 'uv_poll_init', init);
    handles.set(this.#address, this);
    const start = u.pollStart(this.#handle, UV_READABLE, cb.poll);
    if (start < 0) {
      // An initialised handle is in the loop's queue: it must go through uv_close.
      void this.close();
      throw uvError(u, 'uv_poll_start', start);
    }
    u.unref(this.#handle);
  }

  /** `'closing'` between {@link UvDriver.close} and libuv's close callback. */
  get state(): 'open' | 'closing' | 'closed' {
    return this.#state;
  }

  /** uv_ref while something referenced waits; the poll keeps running either way. */
  update(keepAlive: boolean): void {
    if (this.#state !== 'open' || keepAlive === this.#referenced) return;
    this.#referenced = keepAlive;
    if (keepAlive) this.#uv.ref(this.#handle);
    else this.#uv.unref(this.#handle);
  }

  /** uv_poll_stop + uv_close; resolves from the close callback, when the memory is released. */
  close(): Promise<void> {
    if (this.#closed) return this.#closed;
    this.#closed = new Promise<void>((resolve) => (this.#resolveClosed = resolve));
    this.#state = 'closing';
    this.#uv.pollStop(this.#handle);
    this.#uv.close(this.#handle, sharedCallbacks(this.#uv).close);
    return this.#closed;
  }

  /** @internal Called by the shared poll callback. Never throws into koffi. */
  onPoll(status: number): void {
    if (this.#state !== 'open') return;
    if (status < 0) {
      // libuv has already stopped the handle; nothing more will come from it.
      this.#host.report(uvError(this.#uv, 'uv_poll', status));
      return;
    }
    this.#host.drain();
  }

  /** @internal Called by the shared close callback: libuv no longer references the memory. */
  onClose(): void {
    handles.delete(this.#address);
    this.#state = 'closed';
    this.#resolveClosed?.();
  }
}
