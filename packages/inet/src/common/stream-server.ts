/**
 * What TCP and UNIX stream/seqpacket servers share: a bound, listening socket whose accepted
 * connections are an Observable, with counters and a close that leaves live connections alone.
 */
import type { Observable } from 'rxjs';
import { ClosesOnce, LazySubject, SocketError, rx, type Socket, type SocketAddress } from '@rxsock/core';
import { runAcceptLoop, type AcceptLoopOptions, type AcceptSink } from './accept-loop.js';

/** Running totals of a server, for metrics and tests. */
export interface ServerCounters {
  /** Connections accepted since the server started. */
  accepted: number;
  /**
   * Accept failures the server survived (EMFILE, ENFILE, ENOBUFS...), each followed by a
   * back-off, plus connections that died between accept and setup.
   */
  acceptErrors: number;
  /** Accepted connections not closed yet. */
  active: number;
}

/** Back-off of the accept loop after a transient error. */
export interface AcceptBackoffOptions {
  /** First wait after EMFILE and friends, in ms (doubling). Default 10. */
  acceptBackoff?: number;
  /** Longest wait between accept retries, in ms. Default 1000. */
  maxAcceptBackoff?: number;
}

/** What a server's connection type must offer for the server to account for it. */
export interface ServerConnection {
  /** Settles when the connection is closed. */
  readonly closed: Promise<void>;
  /** Closes it. */
  close(): void;
  /**
   * Calls `listener` once the connection is closed, without a promise: the server counts its
   * live connections through it, and thousands of idle ones should not hold two promises each.
   */
  onClose?(listener: () => void): void;
}

/**
 * A listening stream socket and its connections. Subscribing to
 * {@link StreamServer.connections$} runs the accept loop (shared by all subscribers); closing the
 * server (`close()`: stops listening and closes the listening socket) closes only the listener,
 * so connections already accepted keep working until their own teardown.
 */
export class StreamServer<C extends ServerConnection> extends ClosesOnce {
  /** The listening socket. */
  readonly socket: Socket;
  /**
   * Accepted connections, as they come. Hot while subscribed: connections accepted while nobody
   * listens stay in the kernel's backlog. Completes when the server is closed.
   */
  get connections$(): Observable<C> {
    return (this.connectionsObservable ??= new (rx().Observable)<C>((subscriber) => this.runAccepts(subscriber)).pipe(rx().share()));
  }

  /** Every error the accept loop survived, as it happens (for logs). */
  get acceptErrors$(): Observable<unknown> {
    return this.errors.asObservable();
  }

  private readonly stats: ServerCounters = { accepted: 0, acceptErrors: 0, active: 0 };
  private readonly errors = new LazySubject<unknown>();
  private connectionsObservable: Observable<C> | undefined;
  private readonly wrap: (socket: Socket, peer: SocketAddress) => C;
  private readonly loopOptions: AcceptLoopOptions;
  /** One callback shared by every connection's close. */
  private readonly connectionClosed: () => void;

  /**
   * @param socket - A bound, listening socket; the server owns it.
   * @param wrap - Turns an accepted socket into the connection type.
   * @param options - Accept back-off.
   */
  constructor(socket: Socket, wrap: (socket: Socket, peer: SocketAddress) => C, options: AcceptBackoffOptions = {}) {
    super();
    this.socket = socket;
    this.connectionClosed = () => {
      this.stats.active--;
    };
    this.wrap = wrap;
    this.loopOptions = {
      ...(options.acceptBackoff !== undefined ? { initialBackoff: options.acceptBackoff } : {}),
      ...(options.maxAcceptBackoff !== undefined ? { maxBackoff: options.maxAcceptBackoff } : {}),
      onTransientError: (e) => this.noteError(e),
      isClosing: () => this.isClosed,
    };
  }

  /** Runs an accept loop that hands each accepted socket, wrapped and counted, to `sink`. */
  private runAccepts(sink: AcceptSink<C>): () => void {
    return runAcceptLoop(
      this.socket,
      {
        get closed() {
          return sink.closed;
        },
        next: ([sock, peer]) => {
          let conn: C;
          try {
            conn = this.wrap(sock, peer);
          } catch (e) {
            // Reset between accept and getpeername: the peer's problem, not the server's.
            sock.close();
            this.noteError(e);
            return;
          }
          this.stats.accepted++;
          this.stats.active++;
          if (conn.onClose) conn.onClose(this.connectionClosed);
          else void conn.closed.then(this.connectionClosed);
          sink.next(conn);
        },
        error: (e: unknown) => sink.error(e),
        complete: () => sink.complete(),
      },
      this.loopOptions,
    );
  }

  /**
   * The next connection, as a promise: Python's `accept()`. It runs its own accept loop until
   * one arrives (counted like the others; no Observable, so rxjs is not loaded for it). With a
   * {@link StreamServer.connections$} subscriber active at the same time, each connection goes
   * to whichever loop accepts it first.
   * @throws `SocketError` `EBADF` when the server is closed first; the signal's reason on abort.
   */
  accept(options: { signal?: AbortSignal } = {}): Promise<C> {
    const { signal } = options;
    return new Promise<C>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      let settled = false;
      let stop: (() => void) | undefined;
      const onAbort = () => finish(() => reject(signal!.reason));
      const finish = (settle: () => void) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        // Leave at once: the loop then stops before taking another connection from the backlog,
        // so none is accepted for nobody.
        stop?.();
        settle();
      };
      stop = this.runAccepts({
        get closed() {
          return settled;
        },
        next: (conn) => finish(() => resolve(conn)),
        error: (e: unknown) => finish(() => reject(e)),
        complete: () => finish(() => reject(new SocketError('accept: the server is closed', { code: 'EBADF', syscall: 'accept' }))),
      });
      if (settled) stop();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** The bound address; with port 0 this is where the kernel's ephemeral port shows up. */
  address(): SocketAddress {
    return this.socket.getsockname();
  }

  /** A snapshot of the counters. */
  get counters(): Readonly<ServerCounters> {
    return { ...this.stats };
  }

  /** Closes the listening socket and completes `acceptErrors$`. */
  protected release(): void {
    this.socket.close();
    this.errors.complete();
  }

  private noteError(error: unknown): void {
    this.stats.acceptErrors++;
    this.errors.next(error);
  }
}
