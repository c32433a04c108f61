/**
 * A CAN_RAW socket: `socket(AF_CAN, SOCK_RAW, CAN_RAW)`, every option set before `bind`, frames
 * received as an Observable with their interface, own/local flags, timestamps and the kernel's
 * drop count, and sent through a queue that rides out a full device queue.
 */
import type { Observable } from 'rxjs';
import { C, Socket, SocketError, errnoValue, unlimitedCredit } from '@rxsock/core';
import { canAddress } from '../codec/address.js';
import { CAN_MTU, CANFD_MTU, CANXL_MTU, type CanFrame, type ReceivedCanFrame } from '../codec/frame.js';
import type { CanFilter, RawCanFilter } from '../codec/filter.js';
import { CAN_RAW } from './constants.js';
import { canUnavailable, frameKindError } from './errors.js';
import { InterfaceNames, interfaceIndex } from './interface.js';
import { applyCanRawOptions, setCanErrorMask, setCanFilters, timestampControlSize, type CanRawOptions } from './options.js';
import { CanFrameReader, framesIterable, type ReaderSetup } from './reader.js';
import { CanFrameWriter } from './writer.js';
import type { CanReaderOptions } from './credit-reader.js';

/**
 * Opens a CAN_RAW socket: creates it, sets every option of `options` (filters, error mask,
 * loopback, own messages, FD/XL frames, timestamps, buffer sizes), then binds it to one
 * interface or to all of them.
 *
 * @example
 * ```ts
 * const can = openCanRaw({ interface: 'vcan0', filters: [{ id: 0x123, mask: 0x7ff }] });
 * can.frames$.subscribe((f) => console.log(f.interfaceName, f.id.toString(16), f.data));
 * await can.send(canFrame({ id: 0x123, data: [1, 2, 3] }));
 * ```
 * @throws `SocketError` `ERR_RXSOCK_CAN_UNAVAILABLE` when the kernel has no CAN,
 * `ENODEV` for an unknown interface, `ERR_RXSOCK_CAN_XL_UNSUPPORTED` for XL on Linux < 6.2,
 * the typed setsockopt/bind error otherwise. The socket is closed on any failure.
 */
export function openCanRaw(options: CanRawOptions = {}): CanRawSocket {
  const ifindex = interfaceIndex(options.interface);
  let socket: Socket;
  try {
    socket = Socket.create(C.AF_CAN, C.SOCK_RAW, CAN_RAW);
  } catch (e) {
    const errno = (e as SocketError).errno;
    if (errno === errnoValue('EAFNOSUPPORT') || errno === errnoValue('EPROTONOSUPPORT')) throw canUnavailable(errno!, e);
    throw e;
  }
  try {
    applyCanRawOptions(socket, options);
    socket.bind(canAddress(ifindex));
  } catch (e) {
    socket.close();
    throw e;
  }
  return new CanRawSocket(socket, ifindex, options);
}

/** A bound CAN_RAW socket. Make one with {@link openCanRaw}. */
export class CanRawSocket {
  /** The interface index bound to (0: all interfaces). */
  readonly ifindex: number;
  /** The interface name bound to (`''` for all). */
  readonly interfaceName: string;
  /** Whether CAN FD frames are on. */
  readonly fdFrames: boolean;
  /** Whether CAN XL frames are on. */
  readonly xlFrames: boolean;
  private readonly setup: ReaderSetup;
  private writerInstance: CanFrameWriter | undefined;
  private framesObservable: Observable<ReceivedCanFrame> | undefined;

  /**
   * @internal Use {@link openCanRaw}.
   * @param socket - The underlying core socket, bound. Available for options rxsock does not type.
   */
  constructor(
    readonly socket: Socket,
    ifindex: number,
    private readonly options: CanRawOptions,
  ) {
    this.ifindex = ifindex;
    const names = new InterfaceNames();
    this.interfaceName = names.name(ifindex);
    this.fdFrames = options.fdFrames ?? false;
    this.xlFrames = options.xlFrames ?? false;
    this.setup = {
      socket,
      // The largest structure this socket can be handed: the kernel gives FD and XL frames only to
      // sockets that asked for them.
      slotSize: this.xlFrames ? CANXL_MTU : this.fdFrames ? CANFD_MTU : CAN_MTU,
      timestampControl: timestampControlSize(options.timestamps ?? true),
      names,
      defaults: options.reader ?? {},
    };
  }

  /**
   * Every frame received, as an Observable: read in `recvmmsg` batches into a bounded queue
   * (see `options.reader`); a synchronous `next()` counts as consumed. Each subscription reads
   * with its own reader; unsubscribing stops reading and leaves the socket open.
   */
  get frames$(): Observable<ReceivedCanFrame> {
    return (this.framesObservable ??= unlimitedCredit(() => this.reader(), (reader) => reader.frames$));
  }

  /**
   * A reader with explicit credit, counters and `kernelDrops$`: the form for consumers that
   * process frames asynchronously. Subscribe to its `frames$`, then `request(n)`.
   */
  reader(options?: CanReaderOptions): CanFrameReader {
    return new CanFrameReader(this.setup, options);
  }

  /** The frames for `for await`; each iteration takes one frame. `break` stops reading. */
  frames(options?: CanReaderOptions): AsyncIterableIterator<ReceivedCanFrame> {
    return framesIterable(this.reader(options));
  }

  /** The send queue (made on first use): water marks, `writable$`, `drain()`, counters. */
  get writer(): CanFrameWriter {
    return (this.writerInstance ??= new CanFrameWriter(this.socket, this.options.writer, (f) => this.checkFrame(f), this.xlFrames));
  }

  /**
   * Sends one frame; resolves once the kernel took it. A full device queue (ENOBUFS) is
   * waited out, not reported.
   */
  send(frame: CanFrame): Promise<void> {
    return this.writer.send(frame);
  }

  /** Sends frames in order with `sendmmsg` batches; resolves once the kernel took the last. */
  sendMany(frames: Iterable<CanFrame>): Promise<void> {
    return this.writer.sendMany(frames);
  }

  /**
   * Replaces the receive filters of the live socket (and CAN_RAW_JOIN_FILTERS when given).
   * Frames already in the receive queue were filtered by the old list and are still delivered:
   * a consumer that must never see them should drop frames by id itself until the change is
   * known to have passed.
   */
  setFilters(filters: readonly (CanFilter | RawCanFilter)[], joinFilters?: boolean): void {
    setCanFilters(this.socket, filters, joinFilters);
  }

  /** Replaces the error-class mask of the live socket (the same caveat as {@link CanRawSocket.setFilters}). */
  setErrorMask(mask: number): void {
    setCanErrorMask(this.socket, mask);
  }

  /** Whether the socket is closed. */
  get closed(): boolean {
    return this.socket.closed;
  }

  /** Closes the socket; queued frames are dropped and pending sends fail. */
  close(): void {
    if (this.socket.closed) return;
    this.writerInstance?.close(new SocketError('the CAN socket was closed', { code: 'ERR_SOCKET_CLOSED', syscall: 'sendmmsg' }));
    this.socket.close();
  }

  /** Closes the socket (`using can = openCanRaw(...)`). */
  [Symbol.dispose](): void {
    this.close();
  }

  private checkFrame(frame: CanFrame): void {
    if (frame.kind === 'fd' && !this.fdFrames) throw frameKindError('FD', 'fdFrames');
    if (frame.kind === 'xl' && !this.xlFrames) throw frameKindError('XL', 'xlFrames');
  }
}
