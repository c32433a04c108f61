/**
 * The CAN broadcast manager: cyclic transmission run by the kernel (no timer in JavaScript, no
 * frame per tick crossing into Node) and content-change receive, where the kernel compares each
 * frame with the last one and wakes user space only when it changed (or went missing).
 */
import type { Observable } from 'rxjs';
import { C, Socket, SocketError, decodeTimespec, errnoValue, rx } from '@rxsock/core';
import { canAddress } from '../codec/address.js';
import { CANFD_DLC_TO_LEN, CAN_EFF_FLAG, canFdLenToDlc, canIdWord, type CanFdFrame, type ClassicCanFrame } from '../codec/frame.js';
import { canUnavailable } from '../socket/errors.js';
import { interfaceIndex, type CanInterface } from '../socket/interface.js';
import { CAN_BCM, BcmFlag, BcmOpcode } from './constants.js';
import { bcmHeadSize, decodeBcmMessage, encodeBcmMessage, type BcmMessage } from './head.js';

/** A frame the BCM sends or watches: classic or CAN FD (not XL, which the BCM does not carry). */
export type BcmFrame = ClassicCanFrame | CanFdFrame;

/** Options of {@link openCanBcm}. */
export interface CanBcmOptions {
  /** The interface the socket talks to: a name (`'vcan0'`) or an index. */
  readonly interface: CanInterface;
  /** Kernel timestamps on received changes (SO_TIMESTAMPNS); default true. */
  readonly timestamps?: boolean;
}

/** How a cyclic transmission runs. */
export interface CyclicOptions {
  /** The cycle, milliseconds (ival2; microsecond resolution). */
  readonly intervalMs: number;
  /** Optionally send `count` frames at `intervalMs` first (ival1), then go on at {@link intervalMs}. */
  readonly initial?: { readonly count: number; readonly intervalMs: number };
  /** Stop after the initial frames instead of going on (ival2 = 0); reported by {@link CyclicJob.expired}. */
  readonly stopAfterInitial?: boolean;
  /** Send the first frame at once, before the first interval elapses (TX_ANNOUNCE). Default true. */
  readonly announce?: boolean;
}

/** Options of a content-change receive ({@link CanBcmSocket.watch}). */
export interface WatchOptions {
  /** Extended (29-bit) id; default: when `id` does not fit 11 bits. */
  readonly extended?: boolean;
  /**
   * Which bits to compare, as payload-sized masks: a change in a masked bit is reported. Several
   * masks for a multiplexed message (the first mask's bits select which of the others applies).
   * Without masks, only the arrival of the id is reported (RX_FILTER_ID), each one.
   */
  readonly masks?: readonly (readonly number[] | Uint8Array)[];
  /** Also report a change of the payload length (RX_CHECK_DLC). Default true with masks. */
  readonly checkLength?: boolean;
  /** Report a missing frame when none arrived for this long, milliseconds (ival1, RX_TIMEOUT). */
  readonly timeoutMs?: number;
  /** Report at most one change per this many milliseconds, the latest (ival2). */
  readonly throttleMs?: number;
  /** After a timeout, report the next frame even if unchanged (RX_ANNOUNCE_RESUME). */
  readonly announceResume?: boolean;
  /** Watch CAN FD frames. Default: false, or true when a mask is longer than 8 bytes. */
  readonly fd?: boolean;
}

/** A frame whose watched content changed (RX_CHANGED), with its kernel receive time. */
export interface BcmChange {
  readonly type: 'changed';
  readonly frame: BcmFrame;
  /** Kernel receive time of the frame, seconds since the epoch (0 without timestamps). */
  readonly timestampSec: number;
  /** Nanoseconds part of the receive time. */
  readonly timestampNsec: number;
}

/** The watched id did not arrive within `timeoutMs` (RX_TIMEOUT). The watch goes on. */
export interface BcmTimeout {
  readonly type: 'timeout';
  readonly timestampSec: number;
  readonly timestampNsec: number;
}

/** What a {@link CanBcmSocket.watch} reports. */
export type BcmEvent = BcmChange | BcmTimeout;

function microseconds(ms: number, what: string): number {
  if (!Number.isFinite(ms) || ms < 0) throw new SocketError(`${what} must be a non-negative number of milliseconds, got ${String(ms)}`, { code: 'EINVAL', errno: errnoValue('EINVAL') });
  return Math.round(ms * 1000);
}

/**
 * Opens a CAN_BCM socket connected to one interface.
 *
 * @example
 * ```ts
 * const bcm = await openCanBcm({ interface: 'vcan0' });
 * const job = await bcm.startCyclic([canFrame({ id: 0x100, data: [1, 2] })], { intervalMs: 100 });
 * await job.update([canFrame({ id: 0x100, data: [3, 4] })]);   // same cycle, new data
 * await job.stop();
 * ```
 * @throws `SocketError` `ERR_RXSOCK_CAN_UNAVAILABLE` without SocketCAN, `ENODEV` for an
 * unknown interface.
 */
export async function openCanBcm(options: CanBcmOptions): Promise<CanBcmSocket> {
  const ifindex = interfaceIndex(options.interface);
  if (ifindex === 0) throw new SocketError('a BCM socket talks to one interface: name it', { code: 'EINVAL', errno: errnoValue('EINVAL'), syscall: 'connect' });
  let socket: Socket;
  try {
    socket = Socket.create(C.AF_CAN, C.SOCK_DGRAM, CAN_BCM);
  } catch (e) {
    const errno = (e as SocketError).errno;
    if (errno === errnoValue('EAFNOSUPPORT') || errno === errnoValue('EPROTONOSUPPORT')) throw canUnavailable(errno!, e, { call: 'socket(AF_CAN, SOCK_DGRAM, CAN_BCM)', feature: 'the CAN broadcast manager (the can-bcm module)', modules: 'can can-bcm' });
    throw e;
  }
  try {
    if (options.timestamps ?? true) socket.setOption('SO_TIMESTAMPNS', true);
    await socket.connect(canAddress(ifindex));
  } catch (e) {
    socket.close();
    throw e;
  }
  return new CanBcmSocket(socket, ifindex);
}

/** Jobs are keyed by operation family and can_id word: the kernel's own key on one socket. */
type JobKey = `tx:${number}` | `rx:${number}`;

/** A connected CAN_BCM socket. Make one with {@link openCanBcm}. */
export class CanBcmSocket {
  private readonly listeners = new Map<JobKey, (message: BcmMessage, sec: number, nsec: number) => void>();
  /** Ids this socket cycles: the kernel would merge a second job for one into the first. */
  private readonly cycling = new Set<number>();
  private reader: AbortController | undefined;
  /** TX_READ answers awaited, by can_id word. */
  private readonly statusWaiters = new Map<number, (message: BcmMessage) => void>();

  /** @internal Use {@link openCanBcm}. */
  constructor(
    /** The underlying core socket, connected. */
    readonly socket: Socket,
    /** The interface index the socket talks to. */
    readonly ifindex: number,
  ) {}

  /** Sends one frame now (TX_SEND), outside any cycle. */
  async sendOnce(frame: BcmFrame): Promise<void> {
    await this.write({ opcode: BcmOpcode.TX_SEND, flags: fdFlag(frame), count: 0, ival1Us: 0, ival2Us: 0, canId: canIdWord(frame), frames: [frame] });
  }

  /**
   * Starts a cyclic transmission of one frame, or of a set of frames sent one per interval in
   * turn (a multiplexed message). The kernel runs the cycle; the returned job updates or stops it.
   * Frames of one job share one id (the kernel keys jobs by it); another job for the same id on
   * this socket is refused.
   *
   * @throws `SocketError` `EEXIST` when this socket already cycles that id, `EINVAL` for
   * mixed ids or kinds, the kernel's error otherwise.
   */
  async startCyclic(frames: BcmFrame | readonly BcmFrame[], options: CyclicOptions): Promise<CyclicJob> {
    const list = checkFrames(Array.isArray(frames) ? frames : [frames as BcmFrame]);
    const canId = canIdWord(list[0]!);
    const key: JobKey = `tx:${canId}`;
    if (this.cycling.has(canId)) throw new SocketError(`this BCM socket already cycles id 0x${(canId & ~CAN_EFF_FLAG).toString(16)}: update that job`, { code: 'EEXIST', errno: errnoValue('EEXIST'), syscall: 'write' });
    const ival2Us = options.stopAfterInitial ? 0 : microseconds(options.intervalMs, 'intervalMs');
    const count = options.initial?.count ?? 0;
    const ival1Us = options.initial ? microseconds(options.initial.intervalMs, 'initial.intervalMs') : 0;
    let flags = BcmFlag.SETTIMER | BcmFlag.STARTTIMER | fdFlag(list[0]!);
    if (options.announce ?? true) flags |= BcmFlag.TX_ANNOUNCE;
    if (count > 0) flags |= BcmFlag.TX_COUNTEVT;
    const job = new CyclicJob(this, canId, list.length, list[0]!.kind === 'fd', count > 0);
    this.cycling.add(canId);
    if (count > 0) this.listeners.set(key, (message) => {
      if (message.opcode !== BcmOpcode.TX_EXPIRED) return;
      // Nothing more comes for a transmission once its initial frames are out.
      this.forget(key);
      job.markExpired();
    });
    try {
      await this.write({ opcode: BcmOpcode.TX_SETUP, flags, count, ival1Us, ival2Us, canId, frames: list });
    } catch (e) {
      this.forget(key);
      this.cycling.delete(canId);
      throw e;
    }
    if (count > 0) this.startReading();
    return job;
  }

  /**
   * Watches an id for content changes (RX_SETUP). The Observable reports each change and each
   * timeout as an event (a timeout does not end it); unsubscribing deletes the kernel job
   * (RX_DELETE). Errors of the setup end it with the kernel's typed error.
   */
  watch(id: number, options: WatchOptions = {}): Observable<BcmEvent> {
    const extended = options.extended ?? id > 0x7ff;
    const canId = (extended ? (id | CAN_EFF_FLAG) >>> 0 : id) >>> 0;
    const key: JobKey = `rx:${canId}`;
    return new (rx().Observable)<BcmEvent>((subscriber) => {
      if (this.listeners.has(key)) {
        subscriber.error(new SocketError(`this BCM socket already watches id 0x${id.toString(16)}`, { code: 'EEXIST', errno: errnoValue('EEXIST'), syscall: 'write' }));
        return;
      }
      let message: BcmMessage;
      try {
        message = rxSetup(canId, options);
      } catch (e) {
        subscriber.error(e);
        return;
      }
      this.listeners.set(key, (m, sec, nsec) => {
        if (m.opcode === BcmOpcode.RX_CHANGED && m.frames[0]) subscriber.next({ type: 'changed', frame: m.frames[0], timestampSec: sec, timestampNsec: nsec });
        else if (m.opcode === BcmOpcode.RX_TIMEOUT) subscriber.next({ type: 'timeout', timestampSec: sec, timestampNsec: nsec });
      });
      this.startReading();
      let active = true;
      this.write(message).catch((e: unknown) => {
        if (!active) return;
        this.forget(key);
        subscriber.error(e);
      });
      return () => {
        active = false;
        if (this.listeners.get(key) === undefined) return;
        this.forget(key);
        if (!this.socket.closed) {
          this.write({ opcode: BcmOpcode.RX_DELETE, flags: 0, count: 0, ival1Us: 0, ival2Us: 0, canId, frames: [] }).catch(() => undefined);
        }
      };
    });
  }

  /** Closes the socket: the kernel deletes every job of it. */
  close(): void {
    this.listeners.clear();
    this.cycling.clear();
    this.reader?.abort();
    this.socket.close();
  }

  /** Same as {@link close}. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** @internal Writes one BCM message (one `write` per operation, as the BCM requires). */
  async write(message: BcmMessage): Promise<void> {
    await this.socket.send(encodeBcmMessage(message));
  }

  /** @internal A job no longer listens; the read loop stops with the last one (no wait left to keep the process alive). */
  forget(key: JobKey): void {
    this.listeners.delete(key);
    this.stopReadingIfIdle();
  }

  private stopReadingIfIdle(): void {
    if (this.listeners.size === 0 && this.statusWaiters.size === 0) {
      this.reader?.abort();
      this.reader = undefined;
    }
  }

  /** @internal Asks the kernel for a transmission job's state (TX_READ, answered by TX_STATUS). */
  async readTxStatus(canId: number): Promise<BcmMessage> {
    if (this.statusWaiters.has(canId)) throw new SocketError('a status read of this job is already waiting', { code: 'EBUSY', errno: errnoValue('EBUSY') });
    const answer = new Promise<BcmMessage>((resolve) => this.statusWaiters.set(canId, resolve));
    this.startReading();
    try {
      await this.write({ opcode: BcmOpcode.TX_READ, flags: 0, count: 0, ival1Us: 0, ival2Us: 0, canId, frames: [] });
      return await answer;
    } finally {
      this.statusWaiters.delete(canId);
      this.stopReadingIfIdle();
    }
  }

  /** @internal A cyclic job ended. */
  stopCycling(canId: number): void {
    this.cycling.delete(canId);
    this.forget(`tx:${canId}`);
  }

  /** One read loop per socket while any job listens; messages dispatched by opcode and can_id. */
  private startReading(): void {
    if (this.reader) return;
    const reader = new AbortController();
    this.reader = reader;
    const maxSize = bcmHeadSize() + 72 * 257;
    const loop = async (): Promise<void> => {
      while (!reader.signal.aborted && !this.socket.closed) {
        let received;
        try {
          received = await this.socket.recvMsg(maxSize, 64, 0, { signal: reader.signal });
        } catch {
          break; // aborted (no job listens), closed under the read, or the socket failed
        }
        let message: BcmMessage;
        try {
          // Frames' data are copies of these bytes; a plain Uint8Array view keeps them plain too.
          const bytes = new Uint8Array(received.data.buffer, received.data.byteOffset, received.data.length);
          message = decodeBcmMessage(bytes, bytes.length);
        } catch {
          continue; // a message this code does not know how to read; the kernel's own, so skip it
        }
        let sec = 0;
        let nsec = 0;
        for (const c of received.ancillary) {
          if (c.level === C.SOL_SOCKET && c.type === C.SCM_TIMESTAMPNS) ({ seconds: sec, nanoseconds: nsec } = decodeTimespec(c));
        }
        if (message.opcode === BcmOpcode.TX_STATUS) {
          this.statusWaiters.get(message.canId)?.(message);
          continue;
        }
        const family = message.opcode === BcmOpcode.TX_EXPIRED ? 'tx' : 'rx';
        this.listeners.get(`${family}:${message.canId}`)?.(message, sec, nsec);
      }
      if (this.reader === reader) this.reader = undefined;
    };
    void loop();
  }
}

/** A running cyclic transmission. Stop it, or close its socket, to end it. */
export class CyclicJob {
  private stopped = false;
  private expiredResolve!: () => void;
  /** Resolves when a job with `initial` and `stopAfterInitial` has sent its frames (TX_EXPIRED). */
  readonly expired: Promise<void> = new Promise((resolve) => (this.expiredResolve = resolve));

  /** @internal */
  constructor(
    private readonly bcm: CanBcmSocket,
    /** The can_id word the job is keyed by. */
    readonly canId: number,
    private frameCount: number,
    private readonly fd: boolean,
    /** The job reports the end of its initial frames (TX_COUNTEVT). */
    private readonly countEvent = false,
  ) {}

  /**
   * Replaces the data of the running cycle (TX_SETUP without SETTIMER/STARTTIMER: the timer goes
   * on, nothing restarts). The frame set may shrink or keep its size; growing it is the kernel's
   * `E2BIG` (stop the job and start another).
   */
  async update(frames: BcmFrame | readonly BcmFrame[]): Promise<void> {
    this.checkLive();
    const list = checkFrames(Array.isArray(frames) ? frames : [frames as BcmFrame]);
    if (canIdWord(list[0]!) !== this.canId || (list[0]!.kind === 'fd') !== this.fd) {
      throw new SocketError('an update keeps the id and frame kind of its job', { code: 'EINVAL', errno: errnoValue('EINVAL'), syscall: 'write' });
    }
    // The kernel replaces the job's flags with the update's: without TX_COUNTEVT again, TX_EXPIRED
    // would never come and `expired` never resolve.
    const flags = (this.fd ? BcmFlag.CAN_FD_FRAME : 0) | (this.countEvent ? BcmFlag.TX_COUNTEVT : 0);
    await this.bcm.write({ opcode: BcmOpcode.TX_SETUP, flags, count: 0, ival1Us: 0, ival2Us: 0, canId: this.canId, frames: list });
    this.frameCount = list.length;
  }

  /**
   * The kernel's view of the job (TX_READ): frames still to send at the initial interval
   * (`count`), both intervals, and the frames it cycles.
   */
  async status(): Promise<{ readonly count: number; readonly ival1Us: number; readonly ival2Us: number; readonly frames: readonly BcmFrame[] }> {
    this.checkLive();
    const m = await this.bcm.readTxStatus(this.canId);
    return { count: m.count, ival1Us: m.ival1Us, ival2Us: m.ival2Us, frames: m.frames };
  }

  /** Number of frames in the cycle. */
  get frames(): number {
    return this.frameCount;
  }

  /** Stops the cycle (TX_DELETE). Stopping twice does nothing. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.bcm.stopCycling(this.canId);
    if (this.bcm.socket.closed) return;
    await this.bcm.write({ opcode: BcmOpcode.TX_DELETE, flags: 0, count: 0, ival1Us: 0, ival2Us: 0, canId: this.canId, frames: [] });
  }

  /** Same as {@link stop}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }

  /** @internal */
  markExpired(): void {
    this.expiredResolve();
  }

  private checkLive(): void {
    if (this.stopped) throw new SocketError('the cyclic job was stopped', { code: 'ERR_RXSOCK_BCM_STOPPED' });
  }
}

function fdFlag(frame: BcmFrame): number {
  return frame.kind === 'fd' ? BcmFlag.CAN_FD_FRAME : 0;
}

function checkFrames(frames: readonly BcmFrame[]): readonly BcmFrame[] {
  const first = frames[0];
  if (!first) throw new SocketError('a BCM job needs at least one frame', { code: 'EINVAL', errno: errnoValue('EINVAL') });
  for (const f of frames) {
    if (f.kind !== 'classic' && f.kind !== 'fd') throw new SocketError(`the BCM carries classic and FD frames, not ${(f as { kind: string }).kind}`, { code: 'EINVAL', errno: errnoValue('EINVAL') });
    if (f.kind !== first.kind || canIdWord(f) !== canIdWord(first)) {
      throw new SocketError('the frames of one BCM job share one id and one kind', { code: 'EINVAL', errno: errnoValue('EINVAL') });
    }
  }
  return frames;
}

function rxSetup(canId: number, options: WatchOptions): BcmMessage {
  const masks = options.masks ?? [];
  const fd = options.fd ?? masks.some((m) => m.length > 8);
  const maxLen = fd ? 64 : 8;
  let flags = BcmFlag.SETTIMER | BcmFlag.STARTTIMER;
  if (fd) flags |= BcmFlag.CAN_FD_FRAME;
  if (masks.length === 0) flags |= BcmFlag.RX_FILTER_ID;
  else if (options.checkLength ?? true) flags |= BcmFlag.RX_CHECK_DLC;
  if (options.announceResume) flags |= BcmFlag.RX_ANNOUNCE_RESUME;
  const frames: BcmFrame[] = masks.map((mask) => {
    if (mask.length > maxLen) throw new SocketError(`a mask of ${mask.length} bytes is longer than a ${fd ? 'CAN FD' : 'classic'} payload`, { code: 'EINVAL', errno: errnoValue('EINVAL') });
    const data = new Uint8Array(fd ? CANFD_DLC_TO_LEN[canFdLenToDlc(mask.length)]! : mask.length);
    data.set(mask);
    const extended = (canId & CAN_EFF_FLAG) !== 0;
    const id = canId & (extended ? 0x1fffffff : 0x7ff);
    return fd
      ? { kind: 'fd', id, extended, error: false, brs: false, esi: false, len: data.length, data }
      : { kind: 'classic', id, extended, rtr: false, error: false, len: data.length, len8Dlc: 0, data };
  });
  return {
    opcode: BcmOpcode.RX_SETUP,
    flags,
    count: 0,
    ival1Us: options.timeoutMs === undefined ? 0 : microseconds(options.timeoutMs, 'timeoutMs'),
    ival2Us: options.throttleMs === undefined ? 0 : microseconds(options.throttleMs, 'throttleMs'),
    canId,
    frames,
  };
}

