/**
 * ISO 15765-2 transport (CAN_ISOTP): whole messages of up to several kilobytes over CAN, the
 * kernel doing segmentation, flow control and timing. rxsock adds what the kernel's socket API
 * leaves to its caller: received messages as an Observable with backpressure, and a `send` whose
 * promise settles when the transfer is over, with that transfer's own error.
 */
import { readFileSync } from 'node:fs';
import type { Observable } from 'rxjs';
import { C, LazySubject, Socket, SocketError, checkDatagramReaderOptions, errnoValue, hostIsLittleEndian, invalidArgument, unlimitedCredit } from '@rxsock/core';
import { canAddress } from '../codec/address.js';
import { CANFD_MTU } from '../codec/frame.js';
import { framesIterable } from '../socket/reader.js';
import { InterfaceNames, interfaceIndex } from '../socket/interface.js';
import { CAN_ISOTP, IsotpOption, SOL_CAN_ISOTP } from './constants.js';
import { isotpUnavailable, isSendErrno, messageTooLong, receiveFailed, sendFailed } from './errors.js';
import { isotpMaxMessageSize } from './limits.js';
import { planIsotpSocket, type CanIsotpOptions, type IsotpSocketPlan } from './options.js';
import { IsotpMessageReader, type IsotpReaderOptions, type IsotpReaderSetup } from './reader.js';
import { ISOTP_FC_OPTIONS_SIZE, ISOTP_LL_OPTIONS_SIZE, ISOTP_OPTIONS_SIZE, decodeIsotpFcOptions, decodeIsotpLlOptions, decodeIsotpOptions, encodeIsotpFcOptions, encodeIsotpLlOptions, encodeIsotpOptions, type IsotpFcStruct, type IsotpLlStruct, type IsotpOptionsStruct } from './structs.js';

const EINVAL = errnoValue('EINVAL')!;
const EAFNOSUPPORT = errnoValue('EAFNOSUPPORT');
const EPROTONOSUPPORT = errnoValue('EPROTONOSUPPORT');
const EMPTY = new Uint8Array(0);

function closedError(cause?: unknown): SocketError {
  return new SocketError('the ISO-TP socket was closed', { code: 'ERR_SOCKET_CLOSED', syscall: 'sendmsg' }, cause === undefined ? undefined : { cause });
}

function u32Bytes(value: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, value, hostIsLittleEndian);
  return b;
}

/** Sets one option, naming it in the error (the kernel's EINVAL alone does not say which). */
function setIsotpOption(socket: Socket, optname: number, name: string, bytes: Uint8Array): void {
  try {
    socket.setOption(SOL_CAN_ISOTP, optname, bytes);
  } catch (e) {
    const err = e as SocketError;
    throw new SocketError(`setsockopt(SOL_CAN_ISOTP, ${name}): ${err.message}`, { code: err.code, ...(err.errno !== undefined ? { errno: err.errno } : {}), syscall: 'setsockopt' }, { cause: e });
  }
}

function checkFdInterface(name: string): void {
  let mtu: number;
  try {
    mtu = Number.parseInt(readFileSync(`/sys/class/net/${name}/mtu`, 'utf8'), 10);
  } catch {
    return; // no sysfs here: the kernel decides
  }
  if (mtu < CANFD_MTU) {
    throw invalidArgument(`ISO-TP option fd: interface ${name} carries classic frames only (mtu ${mtu}); CAN FD needs mtu 72 (ip link set ${name} mtu 72)`, 'bind');
  }
}

/**
 * Opens an ISO-TP socket on one interface: sets the options, then binds to the rx/tx ids.
 *
 * @example
 * ```ts
 * const tester = await openCanIsotp({ interface: 'vcan0', txId: 0x7e0, rxId: 0x7e8 });
 * tester.messages$.subscribe((m) => console.log('response', m));
 * await tester.send(Uint8Array.of(0x22, 0xf1, 0x90));   // settles when the transfer is done
 * ```
 * @throws `SocketError` `EINVAL` naming the option for a bad option (before any socket
 * exists), `ERR_RXSOCK_CAN_UNAVAILABLE` without CAN or without the can-isotp module, `ENODEV`
 * for an unknown interface, `EINVAL` naming `fd` for CAN FD options on a classic interface.
 */
export async function openCanIsotp(options: CanIsotpOptions): Promise<CanIsotpSocket> {
  const plan = planIsotpSocket(options);
  // Readers are made at subscription: a bad reader option must fail here, not there.
  if (options.reader) checkDatagramReaderOptions(options.reader);
  const ifindex = interfaceIndex(options.interface);
  if (ifindex === 0) throw invalidArgument('ISO-TP option interface: an ISO-TP socket binds to one interface: name it', 'bind');
  const maxMessageSize = options.maxMessageSize ?? isotpMaxMessageSize();
  const names = new InterfaceNames();
  // The 6.1 module binds an FD socket to a classic interface, then fails every send (ECOMM: its
  // frames never come back): say so now, naming the option and the fix.
  if (plan.linkLayer) checkFdInterface(names.name(ifindex));
  let socket: Socket;
  try {
    socket = Socket.create(C.AF_CAN, C.SOCK_DGRAM, CAN_ISOTP);
  } catch (e) {
    const errno = (e as SocketError).errno;
    if (errno !== undefined && (errno === EAFNOSUPPORT || errno === EPROTONOSUPPORT)) throw isotpUnavailable(errno, e);
    throw e;
  }
  try {
    setIsotpOption(socket, IsotpOption.OPTS, 'CAN_ISOTP_OPTS', encodeIsotpOptions(plan.options));
    if (plan.flowControl) setIsotpOption(socket, IsotpOption.RECV_FC, 'CAN_ISOTP_RECV_FC', encodeIsotpFcOptions(plan.flowControl));
    if (plan.txStMinNs !== undefined) setIsotpOption(socket, IsotpOption.TX_STMIN, 'CAN_ISOTP_TX_STMIN', u32Bytes(plan.txStMinNs));
    if (plan.rxStMinNs !== undefined) setIsotpOption(socket, IsotpOption.RX_STMIN, 'CAN_ISOTP_RX_STMIN', u32Bytes(plan.rxStMinNs));
    if (plan.linkLayer) setIsotpOption(socket, IsotpOption.LL_OPTS, 'CAN_ISOTP_LL_OPTS', encodeIsotpLlOptions(plan.linkLayer));
    socket.bind(canAddress(ifindex, { tp: plan.address }));
  } catch (e) {
    socket.close();
    throw e;
  }
  return new CanIsotpSocket(socket, ifindex, names.name(ifindex), plan, maxMessageSize, options.reader ?? {});
}

/** What the kernel holds for an ISO-TP socket, read back with getsockopt. */
export interface IsotpKernelOptions {
  readonly options: IsotpOptionsStruct;
  readonly flowControl: IsotpFcStruct;
  readonly linkLayer: IsotpLlStruct;
  /** CAN_ISOTP_TX_STMIN, nanoseconds (used with the FORCE_TXSTMIN flag). */
  readonly txStMinNs: number;
  /** CAN_ISOTP_RX_STMIN, nanoseconds (used with the FORCE_RXSTMIN flag). */
  readonly rxStMinNs: number;
}

/** Counters of an ISO-TP socket. */
export interface IsotpCounters {
  /** Messages whose transfer completed. */
  readonly sent: number;
  /** Transfers that failed (each rejected its own `send`). */
  readonly sendFailed: number;
  /** Incoming messages the kernel dropped (each reported on `receiveErrors$`). */
  readonly receiveFailed: number;
}

/** A bound ISO-TP socket. Make one with {@link openCanIsotp}. */
export class CanIsotpSocket {
  /** The ids bound to, `CAN_EFF_FLAG` set on 29-bit ones. */
  readonly txId: number;
  /** The id received on, `CAN_EFF_FLAG` set on a 29-bit one. */
  readonly rxId: number;
  private readonly setup: IsotpReaderSetup;
  private messagesObservable: Observable<Uint8Array> | undefined;
  private readonly receiveErrors = new LazySubject<SocketError>();
  /** The end of the chain of sends: one transfer at a time, in call order. */
  private tail: Promise<unknown> = Promise.resolve();
  /** True while a transfer of ours is in the kernel. */
  private transferring = false;
  /** A send-side errno a receive call read during the transfer. */
  private transferErrno: number | undefined;
  private readonly counts = { sent: 0, sendFailed: 0, receiveFailed: 0 };

  /** @internal Use {@link openCanIsotp}. */
  constructor(
    /** The underlying core socket, bound. Available for options rxsock does not type. */
    readonly socket: Socket,
    /** The interface index bound to. */
    readonly ifindex: number,
    /** The interface name bound to. */
    readonly interfaceName: string,
    plan: IsotpSocketPlan,
    /** The receive buffer per message: longer messages fail the reader with `ERR_RXSOCK_ISOTP_TRUNCATED`. */
    readonly maxMessageSize: number,
    defaults: IsotpReaderOptions,
  ) {
    this.txId = plan.address.txId;
    this.rxId = plan.address.rxId;
    this.setup = { socket, maxMessageSize, defaults, onTransferError: (errno) => this.transferError(errno), readers: new Set() };
  }

  /**
   * Every message received, as an Observable: read in `recvmmsg` batches into a bounded queue
   * (see `options.reader`); a synchronous `next()` counts as consumed. A message the kernel
   * dropped (timeout, wrong sequence, bad padding) does not end it: see
   * {@link CanIsotpSocket.receiveErrors$}. Unsubscribing stops reading and leaves the socket open.
   */
  get messages$(): Observable<Uint8Array> {
    return (this.messagesObservable ??= unlimitedCredit(() => this.reader(), (reader) => reader.messages$));
  }

  /** A reader with explicit credit and counters, for consumers that process messages asynchronously. */
  reader(options?: IsotpReaderOptions): IsotpMessageReader {
    return new IsotpMessageReader(this.setup, options);
  }

  /** The messages for `for await`; each iteration takes one message. `break` stops reading. */
  messages(options?: IsotpReaderOptions): AsyncIterableIterator<Uint8Array> {
    return framesIterable(this.reader(options));
  }

  /**
   * Incoming messages the kernel dropped, each as a typed error (`ETIMEDOUT`: the sender
   * stopped mid-message, `EILSEQ`: a wrong sequence number, `EBADMSG`: bad padding). Reported
   * while something reads the socket (or a send looks at the socket's error); never ends.
   */
  get receiveErrors$(): Observable<SocketError> {
    return this.receiveErrors.asObservable();
  }

  /** A snapshot of the counters. */
  get counters(): IsotpCounters {
    return { ...this.counts };
  }

  /**
   * Sends one message (1 byte up to the kernel's maximum, 66000 on Linux 6.1) and resolves when
   * the transfer is complete: every frame sent and, for a segmented message, flow control
   * received. Sends queue up and go one at a time, in call order.
   *
   * A transfer that fails rejects its own promise and leaves the socket usable: `ECOMM` (no
   * flow control within 1 s: nobody listens on the peer id), `EMSGSIZE` (the receiver said
   * overflow), `EBADMSG` (a malformed flow control frame).
   *
   * @throws `SocketError` `EINVAL` for an empty message, `EMSGSIZE` for one longer than the
   * kernel takes, `ERR_SOCKET_CLOSED` when the socket closes first.
   */
  send(message: Uint8Array | readonly number[]): Promise<void> {
    const bytes = message instanceof Uint8Array ? message : Uint8Array.from(message);
    if (bytes.length === 0) return Promise.reject(invalidArgument('an ISO-TP message has at least one byte', 'sendmsg'));
    const transfer = this.tail.then(() => this.transfer(bytes));
    this.tail = transfer.catch(() => undefined);
    return transfer;
  }

  /** Reads back what the kernel holds for this socket (each of the five CAN_ISOTP options). */
  kernelOptions(): IsotpKernelOptions {
    const u32 = (optname: number): number => new DataView(Uint8Array.from(this.socket.getOption(SOL_CAN_ISOTP, optname, 4)).buffer).getUint32(0, hostIsLittleEndian);
    return {
      txStMinNs: u32(IsotpOption.TX_STMIN),
      rxStMinNs: u32(IsotpOption.RX_STMIN),
      options: decodeIsotpOptions(this.socket.getOption(SOL_CAN_ISOTP, IsotpOption.OPTS, ISOTP_OPTIONS_SIZE)),
      flowControl: decodeIsotpFcOptions(this.socket.getOption(SOL_CAN_ISOTP, IsotpOption.RECV_FC, ISOTP_FC_OPTIONS_SIZE)),
      linkLayer: decodeIsotpLlOptions(this.socket.getOption(SOL_CAN_ISOTP, IsotpOption.LL_OPTS, ISOTP_LL_OPTIONS_SIZE)),
    };
  }

  /** Whether the socket is closed. */
  get closed(): boolean {
    return this.socket.closed;
  }

  /**
   * Closes the socket: pending sends fail with `ERR_SOCKET_CLOSED`, readers complete. The
   * kernel's release of an ISO-TP socket waits for a transfer under way to end, so a close in
   * the middle of one returns when the transfer is done or has timed out (1 s without flow
   * control).
   */
  close(): void {
    if (this.socket.closed) return;
    for (const reader of [...this.setup.readers]) reader.close();
    this.socket.close();
    this.receiveErrors.complete();
  }

  /** Closes the socket (`using tp = await openCanIsotp(...)`). */
  [Symbol.dispose](): void {
    this.close();
  }

  private where(): string {
    const id = (v: number): string => `0x${(v & 0x1fffffff).toString(16)}`;
    return `${this.interfaceName || `ifindex ${this.ifindex}`} (tx ${id(this.txId)}, rx ${id(this.rxId)})`;
  }

  private async transfer(bytes: Uint8Array): Promise<void> {
    if (this.socket.closed) throw closedError();
    this.transferring = true;
    this.transferErrno = undefined;
    try {
      await this.transferOnce(bytes);
    } catch (e) {
      // Closed under the transfer: core's EBADF, said the way every pending send says it.
      if (this.socket.closed) throw closedError(e);
      throw e;
    } finally {
      this.transferring = false;
    }
  }

  /** One message into the kernel, then its outcome. */
  private async transferOnce(bytes: Uint8Array): Promise<void> {
    try {
      // Waits (writability) while another transfer of this socket is still in the kernel.
      await this.socket.send(bytes);
    } catch (e) {
      const max = isotpMaxMessageSize();
      if ((e as SocketError).errno === EINVAL && bytes.length > max) throw messageTooLong(bytes.length, max, e);
      throw e;
    }
    await this.untilTransferDone();
    const errno = this.transferErrno ?? this.pendingSendErrno();
    if (errno !== undefined) {
      this.counts.sendFailed++;
      throw sendFailed(errno, bytes.length, this.where());
    }
    this.counts.sent++;
  }

  /**
   * Waits until the kernel's transmitter is idle again. An empty write is the probe: the 6.1
   * module answers EAGAIN while a transfer runs (and polls not writable), and EINVAL (empty
   * message) once it has the transmitter, without sending anything (measured in the guest).
   */
  private async untilTransferDone(): Promise<void> {
    try {
      await this.socket.send(EMPTY);
    } catch (e) {
      if ((e as SocketError).errno === EINVAL) return;
      throw e;
    }
    throw new SocketError('this kernel accepted an empty ISO-TP message: rxsock cannot tell when a transfer ends', { code: 'ERR_RXSOCK_ISOTP_PROBE', syscall: 'sendmsg' });
  }

  /** The socket's pending error, if it is a send error; a receive error found there is reported. */
  private pendingSendErrno(): number | undefined {
    const errno = this.socket.getOption('SO_ERROR') as number;
    if (errno === 0) return undefined;
    if (isSendErrno(errno)) return errno;
    this.transferError(errno);
    return undefined;
  }

  /** A protocol error read from the socket: the transfer's while one runs, else a lost incoming message. */
  private transferError(errno: number): void {
    if (this.transferring && isSendErrno(errno) && this.transferErrno === undefined) {
      this.transferErrno = errno;
      return;
    }
    if (errno === 0) return;
    this.counts.receiveFailed++;
    this.receiveErrors.next(receiveFailed(errno, this.where()));
  }
}
