/**
 * CAN_RAW socket options. {@link applyCanRawOptions} sets them all before `bind`, as candump
 * does, so no frame slips past a filter between bind and setsockopt (python-can binds first and
 * races: its issue #1708).
 */
import { C, encodeUint32, errnoValue, hostIsLittleEndian, invalidArgument, SocketError, type Socket } from '@rxsock/core';
import type { CanReaderOptions } from './credit-reader.js';
import { encodeFilters, type CanFilter, type RawCanFilter } from '../codec/filter.js';
import { CAN_ERR_MASK } from '../codec/frame.js';
import { CanRawOption, SO_TIMESTAMPING, SOF_TIMESTAMPING, SOL_CAN_RAW } from './constants.js';
import { xlUnsupported } from './errors.js';
import type { CanInterface } from './interface.js';
import type { CanWriterOptions } from './writer.js';

/** Options of {@link openCanRaw}. */
export interface CanRawOptions {
  /** Interface to bind to: a name, an index, or `'any'` (default): every CAN interface. */
  interface?: CanInterface;
  /**
   * Receive filters (up to 512). Default: the kernel's, which passes every data frame. An empty
   * list receives no data frames (error frames still come through `errorMask`).
   */
  filters?: readonly (CanFilter | RawCanFilter)[];
  /** CAN_RAW_JOIN_FILTERS: a frame must pass every filter, not any one. Default false. */
  joinFilters?: boolean;
  /** CAN_RAW_ERR_FILTER: error classes to receive as error frames (`CanErrorClass` bits). Default 0: none. */
  errorMask?: number;
  /** CAN_RAW_LOOPBACK: frames sent here reach other sockets on this host. Default true (the kernel's). */
  loopback?: boolean;
  /** CAN_RAW_RECV_OWN_MSGS: receive this socket's own frames (flagged `own`). Default false. */
  recvOwnMessages?: boolean;
  /** CAN_RAW_FD_FRAMES: send and receive CAN FD frames. Default false. */
  fdFrames?: boolean;
  /** CAN_RAW_XL_FRAMES (Linux >= 6.2): send and receive CAN XL frames. Default false. */
  xlFrames?: boolean;
  /**
   * Kernel receive timestamps on every frame: `true` (default) for SO_TIMESTAMPNS, `'hardware'`
   * to add SO_TIMESTAMPING's raw hardware stamp where the device gives one, `false` for none.
   */
  timestamps?: boolean | 'hardware';
  /** SO_RCVBUF in bytes (the kernel doubles it and caps it at net.core.rmem_max). */
  receiveBufferSize?: number;
  /** Set the receive buffer with SO_RCVBUFFORCE (needs CAP_NET_ADMIN; ignores rmem_max). */
  forceReceiveBuffer?: boolean;
  /** SO_SNDBUF in bytes. */
  sendBufferSize?: number;
  /** The receive side: recvmmsg batch size, queue limit, overflow policy, kernel drop counting. */
  reader?: CanReaderOptions;
  /** The send side: water marks and back-off. */
  writer?: CanWriterOptions;
}

const u32 = (value: number): Uint8Array => encodeUint32(value >>> 0);

function setBool(socket: Socket, optname: number, value: boolean): void {
  socket.setOption(SOL_CAN_RAW, optname, u32(value ? 1 : 0));
}

/** Sets CAN_RAW_FILTER (and, when given, CAN_RAW_JOIN_FILTERS). Usable on a bound socket. */
export function setCanFilters(socket: Socket, filters: readonly (CanFilter | RawCanFilter)[], joinFilters?: boolean): void {
  const bytes = encodeFilters(filters, hostIsLittleEndian);
  if (joinFilters !== undefined) setBool(socket, CanRawOption.JOIN_FILTERS, joinFilters);
  // An empty list is passed as optlen 0 (receive no data frames), as the kernel expects.
  socket.setOption(SOL_CAN_RAW, CanRawOption.FILTER, bytes);
}

/** Sets CAN_RAW_ERR_FILTER. */
export function setCanErrorMask(socket: Socket, mask: number): void {
  if (!Number.isInteger(mask) || mask < 0 || mask > CAN_ERR_MASK) throw invalidArgument(`error mask 0x${mask.toString(16)} is not a set of CAN error classes (0..0x1fffffff)`, 'setsockopt');
  socket.setOption(SOL_CAN_RAW, CanRawOption.ERR_FILTER, u32(mask));
}

/** Control-message bytes per frame the timestamp options need (beyond the drop counter). */
export function timestampControlSize(timestamps: boolean | 'hardware'): number {
  // cmsg header 16 + timespec 16; SO_TIMESTAMPING: header 16 + 3 timespecs 48
  if (timestamps === 'hardware') return 32 + 64;
  return timestamps ? 32 : 0;
}

/**
 * Sets every option of `options` on an unbound CAN_RAW socket.
 * @throws `SocketError` the setsockopt's typed error; `ERR_RXSOCK_CAN_XL_UNSUPPORTED`
 * naming Linux 6.2 when XL frames are asked of an older kernel.
 */
export function applyCanRawOptions(socket: Socket, options: CanRawOptions): void {
  if (options.filters !== undefined) setCanFilters(socket, options.filters, options.joinFilters);
  else if (options.joinFilters !== undefined) setBool(socket, CanRawOption.JOIN_FILTERS, options.joinFilters);
  if (options.errorMask !== undefined) setCanErrorMask(socket, options.errorMask);
  if (options.loopback !== undefined) setBool(socket, CanRawOption.LOOPBACK, options.loopback);
  if (options.recvOwnMessages !== undefined) setBool(socket, CanRawOption.RECV_OWN_MSGS, options.recvOwnMessages);
  if (options.fdFrames) setBool(socket, CanRawOption.FD_FRAMES, true);
  if (options.xlFrames) {
    try {
      setBool(socket, CanRawOption.XL_FRAMES, true);
    } catch (e) {
      const errno = (e as SocketError).errno;
      if (errno === errnoValue('ENOPROTOOPT')) throw xlUnsupported(errno!);
      throw e;
    }
  }
  const timestamps = options.timestamps ?? true;
  if (timestamps) socket.setOption('SO_TIMESTAMPNS', true);
  if (timestamps === 'hardware') {
    const flags = SOF_TIMESTAMPING.RX_HARDWARE | SOF_TIMESTAMPING.RAW_HARDWARE | SOF_TIMESTAMPING.RX_SOFTWARE | SOF_TIMESTAMPING.SOFTWARE;
    socket.setOption(C.SOL_SOCKET, SO_TIMESTAMPING, u32(flags));
  }
  if (options.receiveBufferSize !== undefined) socket.setOption(options.forceReceiveBuffer ? 'SO_RCVBUFFORCE' : 'SO_RCVBUF', options.receiveBufferSize);
  if (options.sendBufferSize !== undefined) socket.setOption('SO_SNDBUF', options.sendBufferSize);
}
