/**
 * A CAN_J1939 socket: `socket(AF_CAN, SOCK_DGRAM, CAN_J1939)` bound to a NAME and/or address on
 * one interface. The kernel does the rest of J1939: transport of messages over 8 bytes (TP,
 * BAM, ETP), address claims seen on the bus (a NAME resolves to the address it claimed), and
 * reports of each transport session on the socket's error queue, which transmit-tracker.ts
 * turns into a result per `send`.
 */
import type { Observable } from 'rxjs';
import { C, DatagramReader, Socket, SocketError, cmsgSpace, encodeUint32, errnoValue, rx, unlimitedCredit } from '@rxsock/core';
import { SO_TIMESTAMPING } from '../socket/constants.js';
import { canUnavailable } from '../socket/errors.js';
import { InterfaceNames, interfaceIndex, type CanInterface } from '../socket/interface.js';
import { framesIterable } from '../socket/reader.js';
import type { CanReaderOptions } from '../socket/credit-reader.js';
import { checkPgn, isPdu1, j1939Address, type J1939Endpoint } from './address.js';
import { CAN_J1939, J1939Option, J1939_MAX_ETP_PACKET_SIZE, J1939_MAX_TP_PACKET_SIZE, J1939_NO_ADDR, J1939_PGN_ADDRESS_CLAIMED, SOL_CAN_J1939, SofTimestamping } from './constants.js';
import type { J1939ErrQueueEvent } from './control.js';
import { encodeJ1939Filters, type J1939Filter } from './filter.js';
import { j1939NameBytes } from './name.js';
import { J1939Decoder, type J1939Message } from './receive.js';
import { J1939MessageReader } from './reader.js';
import { TransmitTracker, type J1939SendResult } from './transmit-tracker.js';

/** Reader options a single `reader()`/`messages()` call may override. */
export type J1939ReaderOptions = CanReaderOptions;

/** Options of {@link openCanJ1939}. */
export interface CanJ1939Options {
  /** The interface (a name such as `'vcan0'`, or an index). J1939 binds to one interface. */
  readonly interface: CanInterface;
  /**
   * This node's NAME. With a NAME the kernel sends from the address that NAME claimed on the
   * bus (by this socket's {@link CanJ1939Socket.claimAddress}, or by a daemon such as
   * `j1939acd`), and delivers messages sent to that NAME.
   */
  readonly name?: bigint;
  /** This node's address (0..0xFD), or none (J1939_NO_ADDR) to receive without one. */
  readonly addr?: number;
  /** Receive only this PGN; it is also the default PGN of `send`. Default: every PGN. */
  readonly pgn?: number;
  /** Receive filters (SO_J1939_FILTER, up to 512): a message passes when any one matches. */
  readonly filters?: readonly J1939Filter[];
  /** SO_J1939_PROMISC: receive every message on the bus, not just those to this node or broadcast. */
  readonly promiscuous?: boolean;
  /** SO_J1939_SEND_PRIO: default priority of sent messages, 0 (highest) .. 7; kernel default 6. 0 and 1 need CAP_NET_ADMIN. */
  readonly priority?: number;
  /** SO_BROADCAST: allow sending broadcasts (destination address J1939_NO_ADDR). Default false, as the kernel. */
  readonly broadcast?: boolean;
  /**
   * Track each sent message to its end through the error queue (SO_J1939_ERRQUEUE with
   * SOF_TIMESTAMPING_TX_ACK): `send` then resolves when the kernel finished the transfer and
   * rejects with `ERR_RXSOCK_J1939_ABORTED` when its transport session was aborted. Default
   * true. With false, `send` resolves once the kernel took the message and an abort surfaces,
   * as the kernel does, as an error of the socket's next call.
   */
  readonly trackTransmit?: boolean;
  /** Kernel receive timestamps (SO_TIMESTAMPNS). Default true. */
  readonly timestamps?: boolean;
  /**
   * Largest message received whole; a longer one arrives `truncated`. Default 1785 (the
   * largest TP/BAM message); raise it for ETP (up to 117440505).
   */
  readonly maxMessageSize?: number;
  /** SO_RCVBUF in bytes (the kernel doubles it, capped at net.core.rmem_max). */
  readonly receiveBufferSize?: number;
  /** SO_SNDBUF in bytes: room for the messages being transferred. */
  readonly sendBufferSize?: number;
  /** Receive side: batch size, queue limit, overflow policy, kernel drop counting. */
  readonly reader?: J1939ReaderOptions;
}

/** Where and how one message is sent. */
export interface J1939SendOptions {
  /** PGN (0..0x3FFFF; a PDU1 PGN with its low byte 0). Default: the socket's bound PGN. */
  readonly pgn?: number;
  /** Destination address; J1939_NO_ADDR (0xFF, the default without `name`) broadcasts. */
  readonly addr?: number;
  /** Destination NAME, resolved by the kernel to the address it claimed. */
  readonly name?: bigint;
  /** Priority of this message, 0..7 (default: the socket's). */
  readonly priority?: number;
}

const EINVAL = errnoValue('EINVAL')!;

function socketError(message: string, code: string, syscall: string): SocketError {
  return new SocketError(message, { code, errno: errnoValue(code), syscall });
}

function checkPriority(p: number, syscall: string): number {
  if (!Number.isInteger(p) || p < 0 || p > 7) throw new SocketError(`J1939 priority ${String(p)} out of range 0..7`, { code: 'EINVAL', errno: EINVAL, syscall });
  return p;
}

/**
 * Opens a CAN_J1939 socket and binds it: sets every option (filters, promiscuous mode, priority,
 * broadcast, error queue, timestamps, buffers) first, then binds to `interface` with the NAME,
 * address and PGN given.
 *
 * @example
 * ```ts
 * const ecu = openCanJ1939({ interface: 'vcan0', addr: 0x80, broadcast: true });
 * ecu.messages$.subscribe((m) => console.log(m.srcAddr.toString(16), m.pgn.toString(16), m.data));
 * await ecu.send(new Uint8Array(100), { pgn: 0xef00, addr: 0x90 });   // TP, acknowledged
 * ```
 * @throws `SocketError` `ERR_RXSOCK_CAN_UNAVAILABLE` without SocketCAN or the can-j1939 module,
 * `ENODEV` for an unknown interface, `EINVAL` for a value out of range, the typed
 * setsockopt/bind error otherwise (`EADDRINUSE`...). The socket is closed on any failure.
 */
export function openCanJ1939(options: CanJ1939Options): CanJ1939Socket {
  if (options === null || typeof options !== 'object') throw new SocketError('openCanJ1939 needs options with an interface', { code: 'EINVAL', errno: EINVAL, syscall: 'bind' });
  const ifindex = interfaceIndex(options.interface);
  if (ifindex === 0) throw new SocketError('a J1939 socket binds to one interface: name it', { code: 'EINVAL', errno: EINVAL, syscall: 'bind' });
  const local = j1939Address(ifindex, { name: options.name, addr: options.addr, pgn: options.pgn }, 'bind');
  const filters = options.filters ? encodeJ1939Filters(options.filters) : undefined;
  if (options.priority !== undefined) checkPriority(options.priority, 'setsockopt');
  const maxMessageSize = options.maxMessageSize ?? J1939_MAX_TP_PACKET_SIZE;
  if (!Number.isSafeInteger(maxMessageSize) || maxMessageSize < 8 || maxMessageSize > J1939_MAX_ETP_PACKET_SIZE) {
    throw new SocketError(`maxMessageSize ${String(maxMessageSize)} out of range 8..${J1939_MAX_ETP_PACKET_SIZE}`, { code: 'EINVAL', errno: EINVAL });
  }
  let socket: Socket;
  try {
    socket = Socket.create(C.AF_CAN, C.SOCK_DGRAM, CAN_J1939);
  } catch (e) {
    const errno = (e as SocketError).errno;
    if (errno === errnoValue('EAFNOSUPPORT') || errno === errnoValue('EPROTONOSUPPORT')) {
      throw canUnavailable(errno!, e, { call: 'socket(AF_CAN, SOCK_DGRAM, CAN_J1939)', feature: 'CAN J1939 (the can-j1939 module)', modules: 'can can-j1939' });
    }
    throw e;
  }
  const track = options.trackTransmit ?? true;
  try {
    const int = (v: number): Uint8Array => encodeUint32(v >>> 0);
    if (filters) socket.setOption(SOL_CAN_J1939, J1939Option.FILTER, filters);
    if (options.promiscuous) socket.setOption(SOL_CAN_J1939, J1939Option.PROMISC, int(1));
    if (options.priority !== undefined) socket.setOption(SOL_CAN_J1939, J1939Option.SEND_PRIO, int(options.priority));
    if (options.broadcast) socket.setOption('SO_BROADCAST', true);
    if (options.timestamps ?? true) socket.setOption('SO_TIMESTAMPNS', true);
    if (options.receiveBufferSize !== undefined) socket.setOption('SO_RCVBUF', options.receiveBufferSize);
    if (options.sendBufferSize !== undefined) socket.setOption('SO_SNDBUF', options.sendBufferSize);
    if (track) {
      socket.setOption(SOL_CAN_J1939, J1939Option.ERRQUEUE, int(1));
      // TX_ACK: one entry per finished message; OPT_ID: keyed by the message's number on the socket.
      socket.setOption(C.SOL_SOCKET, SO_TIMESTAMPING, int(SofTimestamping.TX_ACK | SofTimestamping.OPT_ID));
    }
    socket.bind(local);
  } catch (e) {
    socket.close();
    throw e;
  }
  return new CanJ1939Socket(socket, ifindex, options, maxMessageSize, track);
}

/** A bound CAN_J1939 socket. Make one with {@link openCanJ1939}. */
export class CanJ1939Socket {
  /** The interface name bound to. */
  readonly interfaceName: string;
  private readonly names = new InterfaceNames();
  private readonly slotSize: number;
  private messagesObservable: Observable<J1939Message> | undefined;
  /** Sends run one after another: the kernel numbers messages in the order they reach it. */
  private sendChain: Promise<unknown> = Promise.resolve();
  private sent = 0;
  private priorityNow: number | undefined;
  /** Each sent message's end, from the error queue (with `trackTransmit`). */
  private readonly tracker: TransmitTracker | undefined;

  /**
   * @internal Use {@link openCanJ1939}.
   * @param socket - The underlying core socket, bound. Available for options rxsock does not type.
   */
  constructor(
    readonly socket: Socket,
    /** The interface index bound to. */
    readonly ifindex: number,
    private readonly options: CanJ1939Options,
    /** Largest message received whole. */
    readonly maxMessageSize: number,
    /** Whether sends are tracked through the error queue. */
    readonly trackTransmit: boolean,
  ) {
    this.interfaceName = this.names.name(ifindex);
    this.slotSize = maxMessageSize;
    this.priorityNow = options.priority;
    if (trackTransmit) this.tracker = new TransmitTracker(socket);
  }

  /**
   * Every message received, as an Observable read in `recvmmsg` batches into a bounded queue
   * (see `options.reader`); a synchronous `next()` counts as consumed. Each subscription reads
   * with its own reader; unsubscribing stops reading and leaves the socket open.
   */
  get messages$(): Observable<J1939Message> {
    return (this.messagesObservable ??= unlimitedCredit(() => this.reader(), (reader) => reader.frames$));
  }

  /** A reader with explicit credit and counters, for consumers that process messages asynchronously. */
  reader(options?: J1939ReaderOptions): J1939MessageReader {
    const o = { ...this.options.reader, ...options };
    // About 1 MiB of slots by default: 64 TP-sized messages, fewer when ETP-sized.
    const batchSize = o.batchSize ?? Math.max(1, Math.min(64, Math.floor((1 << 20) / this.slotSize)));
    return new J1939MessageReader(new DatagramReader<J1939Message>(
      this.socket,
      { ...o, batchSize, slotSize: this.slotSize, controlSize: cmsgSpace(1) * 2 + cmsgSpace(8) + cmsgSpace(16) + cmsgSpace(4), addresses: true },
      new J1939Decoder(this.names, this.ifindex),
    ), () => this.socket.closed);
  }

  /** The messages for `for await`; each iteration takes one. `break` stops reading. */
  messages(options?: J1939ReaderOptions): AsyncIterableIterator<J1939Message> {
    return framesIterable(this.reader(options));
  }

  /**
   * Every error-queue entry of the socket (with `trackTransmit`): each message's end
   * (`tx-done`) or abort (`tx-abort`), as `send` reports them too.
   */
  get transmitEvents$(): Observable<J1939ErrQueueEvent> {
    return this.tracker?.events$ ?? new (rx().Observable)<J1939ErrQueueEvent>((s) => s.complete());
  }

  /**
   * Sends one message with `sendto`: up to 8 bytes in one frame, up to 1785 by TP (BAM when
   * broadcast), more by ETP to one destination (up to 117440505 bytes). With `trackTransmit`
   * (the default) resolves when the kernel finished the transfer, with the bytes acknowledged;
   * otherwise once the kernel took the message.
   *
   * @throws `SocketError` `EINVAL` for a PGN, address, NAME or priority out of range, a PDU1 PGN
   * whose low byte is not 0, or a broadcast over 1785 bytes; `EACCES` for a broadcast without
   * `broadcast: true`; `ERR_RXSOCK_J1939_ABORTED` (with the session's errno: EHOSTUNREACH when no node
   * answered...) when the kernel aborted the transfer; the kernel's typed error otherwise
   * (`EADDRNOTAVAIL` when the socket's NAME holds no committed address yet...).
   */
  send(data: Uint8Array, options: J1939SendOptions = {}): Promise<J1939SendResult> {
    let destination;
    try {
      destination = this.destination(data, options);
    } catch (e) {
      return Promise.reject(e);
    }
    const run = this.sendChain.then(() => this.sendNow(data, destination.address, destination.priority));
    this.sendChain = run.catch(() => undefined);
    return run.then((waiter) => waiter());
  }

  /**
   * Claims `addr` for this socket's NAME: broadcasts Address Claimed (PGN 0xEE00) with the NAME
   * as data, from `addr`. The kernel records the claim; messages sent by NAME then go out from
   * that address. Needs a socket opened with `name`, `addr` and `broadcast: true`. The kernel
   * commits a claim 250 ms after it saw it (J1939-81's window for a contending claim): until
   * then a send by NAME fails with `EADDRNOTAVAIL`. A claim by a node with a lower NAME takes
   * the address away, which the kernel follows.
   */
  claimAddress(): Promise<J1939SendResult> {
    const name = this.options.name;
    if (name === undefined || name === 0n) return Promise.reject(socketError('claiming an address needs a socket opened with a name', 'EINVAL', 'sendto'));
    return this.send(j1939NameBytes(name), { pgn: J1939_PGN_ADDRESS_CLAIMED, addr: J1939_NO_ADDR });
  }

  /** Replaces the receive filters (an empty list: receive everything again). */
  setFilters(filters: readonly J1939Filter[]): void {
    this.socket.setOption(SOL_CAN_J1939, J1939Option.FILTER, encodeJ1939Filters(filters));
  }

  /** Turns promiscuous mode on or off. */
  setPromiscuous(on: boolean): void {
    this.socket.setOption(SOL_CAN_J1939, J1939Option.PROMISC, encodeUint32(on ? 1 : 0));
  }

  /** The default send priority the kernel holds for this socket (SO_J1939_SEND_PRIO). */
  get priority(): number {
    return this.socket.getOption(SOL_CAN_J1939, J1939Option.SEND_PRIO);
  }

  /** Whether the socket is closed. */
  get closed(): boolean {
    return this.socket.closed;
  }

  /** Closes the socket; sends still waiting for their end reject with `ERR_SOCKET_CLOSED`. */
  close(): void {
    if (this.socket.closed) return;
    this.tracker?.close();
    this.socket.close();
  }

  /** Closes the socket (`using ecu = openCanJ1939(...)`). */
  [Symbol.dispose](): void {
    this.close();
  }

  private destination(data: Uint8Array, o: J1939SendOptions): { address: ReturnType<typeof j1939Address>; priority: number | undefined } {
    if (!(data instanceof Uint8Array)) throw socketError('a J1939 message is a Uint8Array', 'EINVAL', 'sendto');
    if (data.length > J1939_MAX_ETP_PACKET_SIZE) throw socketError(`a J1939 message of ${data.length} bytes is over the ETP maximum of ${J1939_MAX_ETP_PACKET_SIZE}`, 'EMSGSIZE', 'sendto');
    if (o.pgn !== undefined) {
      checkPgn(o.pgn, false, 'sendto');
      if (isPdu1(o.pgn) && (o.pgn & 0xff) !== 0) {
        throw socketError(`PGN 0x${o.pgn.toString(16)} is PDU1: its low byte is the destination address; send pgn 0x${(o.pgn & 0x3ff00).toString(16)} with addr 0x${(o.pgn & 0xff).toString(16)}`, 'EINVAL', 'sendto');
      }
    }
    const priority = o.priority === undefined ? undefined : checkPriority(o.priority, 'sendto');
    const address = j1939Address(this.ifindex, { name: o.name, addr: o.addr, pgn: o.pgn }, 'sendto');
    const broadcast = (o.name === undefined || o.name === 0n) && address.j1939!.addr === J1939_NO_ADDR;
    if (broadcast && !this.options.broadcast) throw socketError('a broadcast (no destination addr or name) needs the socket opened with broadcast: true (SO_BROADCAST)', 'EACCES', 'sendto');
    if (broadcast && data.length > J1939_MAX_TP_PACKET_SIZE) throw socketError(`a broadcast carries at most ${J1939_MAX_TP_PACKET_SIZE} bytes (BAM); ETP goes to one destination`, 'EINVAL', 'sendto');
    return { address, priority };
  }

  /** One message to the kernel, in order; returns how to wait for its end. */
  private async sendNow(data: Uint8Array, address: ReturnType<typeof j1939Address>, priority: number | undefined): Promise<() => Promise<J1939SendResult>> {
    if (priority !== undefined && priority !== this.priorityNow) {
      this.socket.setOption(SOL_CAN_J1939, J1939Option.SEND_PRIO, encodeUint32(priority));
      this.priorityNow = priority;
    }
    const id = this.sent;
    // Register before sending: a single frame can finish before sendto's promise continues.
    const done = this.tracker?.expect(id);
    let offset = 0;
    try {
      // A message over the send buffer is taken in parts (the kernel queues it in 1785-byte
      // segments and returns how much it took); the rest goes in following calls.
      do {
        offset += await this.socket.sendTo(offset === 0 ? data : data.subarray(offset), address);
      } while (offset < data.length);
    } catch (e) {
      if (offset === 0) this.tracker?.forget(id);
      throw e;
    }
    this.sent++;
    return done ? () => done : () => Promise.resolve({ id, bytesAcked: data.length });
  }

}
