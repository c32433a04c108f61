/**
 * `rxsock-raw ping`: ping(8) (iputils) for the common options, on {@link ping}: the same
 * output lines, usage text, and exit status (0 when replies came, 1 when none did or fewer than
 * `-c` before a `-w` deadline, 2 on errors).
 */
import type { Writable } from 'node:stream';
import { C, SocketError, getnameinfo, isIPv4, isIPv6 } from '@rxsock/core';
import { PrivilegeError } from '../craft/privilege.js';
import { ping, type PingSummary } from '../craft/ping.js';
import { PING_USAGE, PingUsageError, parsePingArgs } from './ping-args.js';
import { formatError, formatReply, formatStart, formatSummary } from './ping-format.js';

/** What `rxsock-raw ping` needs from its process; tests pass their own. */
export interface PingIo {
  readonly stdout: Pick<Writable, 'write'>;
  readonly stderr: Pick<Writable, 'write'>;
  /** Registers a Ctrl-C handler (SIGINT); returns its removal. */
  onInterrupt(handler: () => void): () => void;
}

/** The running process's streams and SIGINT/SIGTERM. */
export function processPingIo(): PingIo {
  // A reader that went away (`| head`): end quietly, as ping does on SIGPIPE.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(141);
  });
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    onInterrupt(handler) {
      process.on('SIGINT', handler);
      process.on('SIGTERM', handler);
      return () => {
        process.off('SIGINT', handler);
        process.off('SIGTERM', handler);
      };
    },
  };
}

/** ping's one-line error text for a failure (no stack trace). */
function errorText(host: string, error: unknown): string {
  if (error instanceof PrivilegeError) return `ping: ${error.message}\n`;
  if (error instanceof SocketError) {
    const why = /\(([^()]*)\)\s*$/.exec(error.message)?.[1];
    if (error.code.startsWith('EAI_')) return `ping: ${host}: ${why ?? error.message.replace(`${host}: `, '')}\n`;
    if (error.syscall === 'setsockopt') return `ping: cannot set unicast time-to-live: ${why ?? error.message}\n`;
    return `ping: ${error.syscall ?? 'error'}: ${why ?? error.message}\n`;
  }
  return `ping: ${error instanceof Error ? error.message : String(error)}\n`;
}

/**
 * Runs `ping` with `argv` (the arguments after `ping`); resolves with its exit status.
 */
export async function runPing(argv: readonly string[], io: PingIo): Promise<number> {
  let command;
  try {
    command = parsePingArgs(argv);
  } catch (error) {
    if (!(error instanceof PingUsageError)) throw error;
    if (error.message) io.stderr.write(`${error.message}\n`);
    if (error.showUsage) io.stderr.write(PING_USAGE);
    return error.status;
  }
  const { host, quiet, numeric, options } = command;
  // As ping: a destination given as a name gets reply sources printed as `name (address)`,
  // looked up once per address (off the loop); a numeric destination or -n prints addresses.
  const lookups = !numeric && !isIPv4(host) && !isIPv6(host);
  const names = new Map<string, Promise<string>>();
  const source = (address: string): Promise<string> => {
    if (!lookups) return Promise.resolve(address);
    let name = names.get(address);
    if (!name) {
      const six = address.includes(':');
      name = getnameinfo(six ? { family: 'inet6', host: address, port: 0, flowInfo: 0, scopeId: 0 } : { family: 'inet', host: address, port: 0 }, C.NI_NAMEREQD).then(
        (r) => `${r.host} (${address})`,
        () => address,
      );
      names.set(address, name);
    }
    return name;
  };
  // Lines go out in event order even when a name lookup is pending.
  let output = Promise.resolve();
  const write = (line: () => Promise<string> | string): void => {
    output = output.then(async () => {
      io.stdout.write(await line());
    });
  };
  const abort = new AbortController();
  const removeHandler = io.onInterrupt(() => abort.abort());
  try {
    const summary = await new Promise<PingSummary | undefined>((resolve, reject) => {
      let last: PingSummary | undefined;
      ping(host, { ...options, signal: abort.signal }).subscribe({
        next: (e) => {
          switch (e.type) {
            case 'start': write(() => formatStart(e)); break;
            case 'reply': if (!quiet) write(async () => formatReply({ ...e, from: await source(e.from) })); break;
            case 'error': if (!quiet) write(async () => formatError({ ...e, from: await source(e.from) })); break;
            case 'summary': last = e; write(() => formatSummary(e)); break;
          }
        },
        error: (error: unknown) => void output.then(() => reject(error)),
        complete: () => void output.then(() => resolve(last)),
      });
    });
    if (!summary || summary.received === 0) return 1;
    if (options.deadlineMs !== undefined && options.count !== undefined && summary.received < options.count) return 1;
    return 0;
  } catch (error) {
    io.stderr.write(errorText(host, error));
    return 2;
  } finally {
    removeHandler();
  }
}

/** The entry `rxsock-raw ping` calls: {@link runPing} on this process. */
export function main(argv: readonly string[]): Promise<number> {
  return runPing(argv, processPingIo());
}
