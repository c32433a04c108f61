/**
 * The TCP client: resolve the host, race the addresses Happy-Eyeballs style, and hand back the
 * winner as a {@link Connection}. Python's `socket.create_connection` and Node's
 * `net.connect({ autoSelectFamily: true })` are the models.
 */
import type { Observable } from 'rxjs';
import { C, Socket, SocketTimeoutError, type SocketAddress, rx } from '@rxsock/core';
import { addressAf, familyName, inetAddress, type IpFamilyName } from '../common/address.js';
import { ConnectError } from '../common/errors.js';
import { DEFAULT_ATTEMPT_DELAY, interleaveFamilies, raceAttempts } from './happy-eyeballs.js';
import { Connection, type ConnectionOptions } from './connection.js';
import { resolveHost, type Resolver } from './resolve.js';
import { applyTcpOptions, type TcpSocketOptions } from './socket-options.js';

/** Options of {@link connect} and {@link connect$}. */
export interface ConnectOptions extends TcpSocketOptions, ConnectionOptions {
  /** Only try addresses of this family. Default: both. */
  family?: IpFamilyName;
  /**
   * Source address to bind before connecting (numeric). Only addresses of its family are tried.
   */
  localAddress?: string;
  /** Source port to bind before connecting (default: the kernel picks). */
  localPort?: number;
  /**
   * Milliseconds for the whole operation (resolution and every attempt); on expiry it rejects
   * with a `SocketTimeoutError` (code `ETIMEDOUT`). Default: none (the kernel's SYN retries).
   */
  timeout?: number;
  /** Cancels the connect; it rejects with the signal's reason and no socket is left open. */
  signal?: AbortSignal;
  /**
   * RFC 8305 "Connection Attempt Delay": how long one attempt runs alone before the next address
   * is tried in parallel. Default 250 ms; never below 10 ms.
   */
  attemptDelay?: number;
  /**
   * `false` tries one address at a time, each to completion, like Python's
   * `create_connection`. Default `true` (race with {@link ConnectOptions.attemptDelay}).
   */
  happyEyeballs?: boolean;
  /** Replaces getaddrinfo, e.g. to pin addresses in tests or use a service registry. */
  resolver?: Resolver;
}

/** Aborts `controller` when `signal` does, and returns the unlink function. */
function follow(controller: AbortController, signal: AbortSignal | undefined): () => void {
  if (!signal) return () => {};
  if (signal.aborted) {
    controller.abort(signal.reason);
    return () => {};
  }
  const onAbort = () => controller.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}

/** Rejects with the signal's reason as soon as it aborts, whatever `work` is doing. */
function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** Opens one TCP socket to `address`, bound and tuned as `options` say; closes it on failure. */
async function attemptConnect(address: SocketAddress, options: ConnectOptions, signal: AbortSignal): Promise<Socket> {
  const af = addressAf(address);
  const socket = Socket.create(af, C.SOCK_STREAM);
  try {
    if (options.localAddress !== undefined || options.localPort !== undefined) {
      const host = options.localAddress ?? (af === C.AF_INET6 ? '::' : '0.0.0.0');
      // A wildcard IPv6 source with a fixed port would also claim the IPv4 port and collide
      // with the IPv4 attempt racing beside it.
      if (af === C.AF_INET6 && options.localAddress === undefined) socket.setOption('IPV6_V6ONLY', true);
      socket.bind(inetAddress(host, options.localPort ?? 0));
    }
    applyTcpOptions(socket, options);
    await socket.connect(address, { signal, timeout: null });
    return socket;
  } catch (error) {
    socket.close();
    throw error;
  }
}

/**
 * Connects to `host`:`port` over TCP. Names are resolved with getaddrinfo (off the event loop);
 * the addresses are interleaved by family and raced as RFC 8305 describes: the first attempt
 * gets `attemptDelay` (250 ms) alone, then the next starts beside it (at once if the first
 * fails), and so on; the first to connect wins and the others are closed.
 *
 * @returns The connection; its `input$`, `reader` and `writer` are ready to use.
 * @throws {@link ConnectError} listing every address tried when all failed (its `code` is the
 * first attempt's, e.g. `ECONNREFUSED`); a `SocketError` with an `EAI_*` code when the name does
 * not resolve; `SocketTimeoutError` on `timeout`; the signal's reason on abort.
 *
 * @example
 * ```ts
 * const conn = await connect('localhost', 8080, { noDelay: true, timeout: 5000 });
 * ```
 */
export async function connect(host: string, port: number, options: ConnectOptions = {}): Promise<Connection> {
  const target = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  const controller = new AbortController();
  const unlink = follow(controller, options.signal);
  const timer =
    options.timeout !== undefined
      ? setTimeout(() => controller.abort(new SocketTimeoutError('connect', options.timeout!, target)), options.timeout)
      : undefined;
  const signal = controller.signal;
  try {
    let family = options.family;
    if (options.localAddress !== undefined) family = familyName(addressAf(inetAddress(options.localAddress, 0)));
    const resolver = options.resolver ?? resolveHost;
    const resolved = await abortable(Promise.resolve(resolver({ host, port, family, signal })), signal);
    const candidates = interleaveFamilies(
      resolved.filter((a) => (a.family === 'inet' || a.family === 'inet6') && (family === undefined || a.family === family)),
    );
    const result = await raceAttempts(candidates, (address, attemptSignal) => attemptConnect(address, options, attemptSignal), {
      // Sequential mode: a delay longer than any connect means "wait for the failure".
      delay: options.happyEyeballs === false ? 2 ** 31 - 1 : (options.attemptDelay ?? DEFAULT_ATTEMPT_DELAY),
      signal,
      dispose: (socket) => socket.close(),
    });
    if (!result.ok) throw new ConnectError(target, result.failures.map((f) => ({ address: f.candidate, error: f.error })));
    try {
      return new Connection(result.value, options);
    } catch (error) {
      result.value.close();
      throw error;
    }
  } finally {
    clearTimeout(timer);
    unlink();
  }
}

/**
 * {@link connect} as an Observable: subscribing connects, the connection is emitted once, and
 * the Observable completes when that connection closes. Unsubscribing cancels a connect in
 * progress or closes the connection, so `switchMap` and `takeUntil` manage its lifetime.
 *
 * @example
 * ```ts
 * connect$('localhost', 7).pipe(switchMap((conn) => { conn.write(hello); return conn.input$; }))
 * ```
 */
export function connect$(host: string, port: number, options: ConnectOptions = {}): Observable<Connection> {
  return new (rx().Observable)<Connection>((subscriber) => {
    const controller = new AbortController();
    const unlink = follow(controller, options.signal);
    let connection: Connection | undefined;
    connect(host, port, { ...options, signal: controller.signal }).then(
      (conn) => {
        if (subscriber.closed) {
          conn.close();
          return;
        }
        connection = conn;
        subscriber.next(conn);
        void conn.closed.then(() => subscriber.complete());
      },
      (error: unknown) => subscriber.error(error),
    );
    return () => {
      unlink();
      controller.abort();
      connection?.close();
    };
  });
}
