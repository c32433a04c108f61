/**
 * `node:http` clients over rxsock connections: a `createConnection` for `http.request`, and an
 * `http.Agent` whose pooled keep-alive sockets are rxsock connections.
 */
import { Agent, type AgentOptions, type ClientRequestArgs } from 'node:http';
import type { Duplex } from 'node:stream';
import { toDuplex, type SocketDuplexOptions } from '@rxsock/core';
import { connect, type ConnectOptions } from '../tcp/connect.js';

/** Options of {@link httpConnector} and {@link RxsockAgent}: how the TCP connection is made. */
export interface HttpConnectOptions {
  /** rxsock TCP options (Happy Eyeballs delay, family, socket options, water marks...). */
  tcp?: ConnectOptions;
  /** The Duplex's options (readable high-water mark). */
  duplex?: SocketDuplexOptions;
}

/** The callback `node:http` passes to `createConnection`: the new socket, or why there is none. */
export type OnCreate = (err: Error | null, socket: Duplex) => void;

/**
 * A `createConnection` for `http.request` (or any `http.Agent`): connects with rxsock's
 * {@link connect} to the request's `host` (or `hostname`) and `port` and hands `node:http` the
 * connection as a `stream.Duplex`.
 *
 * @example
 * ```ts
 * http.request({ host: 'localhost', port: 8080, path: '/', createConnection: httpConnector() }, onResponse).end();
 * ```
 */
export function httpConnector(options: HttpConnectOptions = {}): (request: ClientRequestArgs, oncreate: OnCreate) => undefined {
  return (request, oncreate) => {
    const host = request.hostname ?? request.host ?? 'localhost';
    const port = Number(request.port ?? request.defaultPort ?? 80);
    connect(host.replace(/^\[(.*)\]$/, '$1'), port, {
      ...options.tcp,
      ...(request.timeout !== undefined && options.tcp?.timeout === undefined ? { timeout: request.timeout } : {}),
    }).then(
      (conn) => oncreate(null, toDuplex(conn, options.duplex)),
      (error: unknown) => oncreate(error as Error, undefined as unknown as Duplex),
    );
    return undefined;
  };
}

/**
 * An `http.Agent` whose sockets are rxsock connections: pooling and keep-alive are the Agent's
 * own (`keepAlive: true` keeps idle connections for the next request), each new socket comes
 * from {@link httpConnector}.
 *
 * @example
 * ```ts
 * const agent = new RxsockAgent({ keepAlive: true });
 * http.get({ host: 'localhost', port: 8080, agent }, onResponse);
 * ```
 */
export class RxsockAgent extends Agent {
  private readonly connector: (request: ClientRequestArgs, oncreate: OnCreate) => undefined;

  constructor(options: AgentOptions & HttpConnectOptions = {}) {
    const { tcp, duplex, ...agentOptions } = options;
    super(agentOptions);
    this.connector = httpConnector({ ...(tcp ? { tcp } : {}), ...(duplex ? { duplex } : {}) });
  }

  /** @internal Called by `http.Agent` for each new socket. */
  override createConnection(options: ClientRequestArgs, callback?: OnCreate): Duplex | null | undefined {
    return this.connector(options, callback ?? (() => {}));
  }
}
