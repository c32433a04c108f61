/**
 * The socket object: Python's `socket.socket` as the parity list, non-blocking underneath, with
 * promise-returning operations that wait on the poller instead of blocking the loop.
 */
import { decodeSockaddr, encodeSockaddr } from '../codec/sockaddr.js';
import { formatAddress, type SocketAddress } from '../codec/address.js';
import { decodeControl, encodeControl, type ControlMessage } from '../codec/cmsg.js';
import { closedSocketError, errnoValue, invalidArgument, systemError, SocketError } from '../errors.js';
import { checked, isWouldBlock } from '../sys/calls.js';
import { C, sys } from '../sys/index.js';
import { toAddress, type AddressInput } from './address-input.js';
import { deadline, type Deadline, type OperationOptions } from './deadline.js';
import { encodeDestination } from './destination-cache.js';
import { captureOrigin, forgetLeakWatch, watchForLeak } from './finalizer.js';
import { startCompletionReads, takeArrivalsNow } from './completion-reads.js';
import { BULK_READ } from './bulk-transfer.js';
import { IoState, NOT_READY, type ReadListener } from './io-state.js';
import { peerAddressText } from './peer-text.js';
import { iovecsFor, readMsghdr, writeIovecs, writeMsghdr } from './messages.js';
import { MessageBatch, type ReceivedMessage } from './message-batch.js';
import type { SendBatch } from './send-batch.js';
import { CALL_NOT_MADE, type SyscallBatch } from '../sys/syscall-batch.js';
import { decodeOption, encodeOption, optionSize, optionSpec, type OptionName, type OptionValue } from './options.js';

const EINTR = errnoValue('EINTR') ?? 4;
const EINPROGRESS = errnoValue('EINPROGRESS') ?? 115;
const EALREADY = errnoValue('EALREADY') ?? 114;
const ECONNABORTED = errnoValue('ECONNABORTED') ?? 103;

/** Scratch space for addresses the kernel writes back; used synchronously, so one is enough. */
const addrScratch = Buffer.alloc(128);
const addrLenScratch = new Uint32Array(1);
/** Scratch iovec array and msghdr for trySendv (grown on demand). */
const sendvScratch = { iov: Buffer.alloc(0), msg: Buffer.alloc(64) };
/**
 * The origin text accepted sockets share, per listener: built once per listener (a getsockname
 * and a string), and kept off the Socket object, which every connection would pay a field for.
 */
const acceptedOrigins = new WeakMap<Socket, string>();

/** Which side of the socket an operation uses: reading or writing. */
type Direction = 'read' | 'write';

/** How `shutdown` closes a connection: Python's SHUT_RD / SHUT_WR / SHUT_RDWR. */
export type ShutdownHow = 'read' | 'write' | 'both' | number;

/** Options of {@link Socket.create}. */
export interface SocketOptions {
  /** Default timeout of every waiting operation, in ms (`null`: none). Python's `settimeout`. */
  timeout?: number | null;
}

/** What {@link Socket.recvMsg} returns. */
export interface ReceivedMsg {
  /** The bytes received (a view of a buffer sized `bufsize`). */
  data: Buffer;
  /** Ancillary data (control messages). */
  ancillary: ControlMessage[];
  /** `msg_flags` (MSG_TRUNC, MSG_CTRUNC, MSG_EOR...). */
  flags: number;
  /** The sender, for unconnected datagram sockets; null otherwise. */
  address: SocketAddress | null;
}

/** One message for {@link Socket.sendMany}. */
export interface OutgoingMessage {
  /** The payload, or several buffers gathered into one message. */
  data: Uint8Array | readonly Uint8Array[];
  /** Destination, for unconnected datagram sockets. */
  address?: AddressInput;
  /** Ancillary data. */
  ancillary?: readonly ControlMessage[];
}

function shutdownHow(how: ShutdownHow): number {
  if (typeof how === 'number') return how;
  return how === 'read' ? C.SHUT_RD : how === 'write' ? C.SHUT_WR : C.SHUT_RDWR;
}

/**
 * A BSD socket. Created non-blocking and close-on-exec; every operation that would block returns
 * a promise that settles when the poller reports readiness, with optional timeout and AbortSignal.
 *
 * @example
 * ```ts
 * const server = Socket.create(C.AF_INET, C.SOCK_STREAM);
 * server.setOption('SO_REUSEADDR', true);
 * server.bind(['127.0.0.1', 0]);
 * server.listen();
 * const [conn, peer] = await server.accept();
 * ```
 */
export class Socket {
  /** Address family (`C.AF_INET`, ...). */
  readonly family: number;
  /** Socket type without flags (`C.SOCK_STREAM`, ...). */
  readonly type: number;
  /** Protocol number. */
  readonly protocol: number;
  /** Default timeout of waiting operations in ms, or null for none. Python's `gettimeout()`. */
  timeout: number | null;

  private fd: number;
  /** Readiness and waiters; also what the leak finalizer holds (fd, origin, ref state). */
  private readonly io: IoState;
  private peerText: string | undefined;

  /** Wraps an fd this process owns; use {@link Socket.create}, {@link Socket.pair} or {@link Socket.fromFd}. */
  protected constructor(fd: number, family: number, type: number, protocol: number, options?: SocketOptions, origin?: string) {
    this.fd = fd;
    this.family = family;
    this.type = type;
    this.protocol = protocol;
    this.timeout = options?.timeout ?? null;
    // A stack costs microseconds; accepted sockets share their listener's instead.
    this.io = new IoState(fd, origin ?? captureOrigin(Socket));
    watchForLeak(this, this.io);
  }

  /** `socket(family, type, protocol)`: a new socket, non-blocking and close-on-exec. */
  static create(family: number, type: number, protocol = 0, options?: SocketOptions): Socket {
    const s = sys();
    const fd = checked('socket', () => s.socket(family, type | C.SOCK_NONBLOCK | C.SOCK_CLOEXEC, protocol));
    return new Socket(fd, family, type, protocol, options);
  }

  /** `socketpair(family, type, protocol)`: two connected sockets (AF_UNIX by default). */
  static pair(family: number = C.AF_UNIX, type: number = C.SOCK_STREAM, protocol = 0, options?: SocketOptions): [Socket, Socket] {
    const s = sys();
    const fds = new Int32Array(2);
    checked('socketpair', () => s.socketpair(family, type | C.SOCK_NONBLOCK | C.SOCK_CLOEXEC, protocol, fds));
    return [new Socket(fds[0]!, family, type, protocol, options), new Socket(fds[1]!, family, type, protocol, options)];
  }

  /**
   * Wraps an existing socket fd (inherited, received over SCM_RIGHTS, from another library).
   * Family, type and protocol are asked of the kernel; the fd is made non-blocking. By default
   * the Socket takes ownership (Python's `socket(fileno=fd)`); `dup: true` wraps a duplicate
   * instead (Python's `socket.fromfd`).
   */
  static fromFd(fd: number, options?: SocketOptions & { dup?: boolean }): Socket {
    const s = sys();
    const own = options?.dup ? checked('dup', () => s.fcntl(fd, C.F_DUPFD_CLOEXEC, 0)) : fd;
    const int = (name: number) => {
      const b = new Uint8Array(4);
      const len = new Uint32Array([4]);
      checked('getsockopt', () => s.getsockopt(own, C.SOL_SOCKET, name, b, len));
      return new DataView(b.buffer).getInt32(0, s.abi.littleEndian);
    };
    try {
      const family = int(C.SO_DOMAIN);
      const type = int(C.SO_TYPE);
      const protocol = int(C.SO_PROTOCOL);
      const flags = checked('fcntl', () => s.fcntl(own, C.F_GETFL, 0));
      if (!(flags & C.O_NONBLOCK)) checked('fcntl', () => s.fcntl(own, C.F_SETFL, flags | C.O_NONBLOCK));
      return new Socket(own, family, type, protocol, options);
    } catch (e) {
      if (own !== fd) s.close(own);
      throw e;
    }
  }

  /** The file descriptor, or -1 once closed or detached. */
  fileno(): number {
    return this.fd;
  }

  /** Whether {@link Socket.close} or {@link Socket.detach} has been called. */
  get closed(): boolean {
    return this.fd < 0;
  }

  /** Number of operations currently waiting for readiness (diagnostics, tests). */
  get pendingOperations(): number {
    return this.io.waiting;
  }

  /** `bind(address)`. Numeric hosts only; resolve names with `getaddrinfo` first. */
  bind(address: AddressInput): void {
    const fd = this.live('bind');
    const addr = toAddress(this.family, address, 'bind');
    const bytes = encodeSockaddr(addr);
    checked('bind', () => sys().bind(fd, bytes, bytes.length), formatAddress(addr));
  }

  /** `listen(backlog)`. */
  listen(backlog: number = C.SOMAXCONN): void {
    const fd = this.live('listen');
    checked('listen', () => sys().listen(fd, backlog));
  }

  /** `accept()`: the next connection and its peer address. */
  async accept(options?: OperationOptions): Promise<[Socket, SocketAddress]> {
    const d = this.deadline(options, 'accept');
    try {
      for (;;) {
        const accepted = this.tryAccept();
        if (accepted !== null) return accepted;
        await this.io.readable(d.signal);
      }
    } finally {
      d.done();
    }
  }

  /**
   * Accepts a pending connection without waiting: the new socket and its peer address, or null
   * when none is queued (wait with {@link Socket.onNextReadable}). The promise-free form of
   * {@link Socket.accept}, for accept loops: a burst of connections costs no promise each.
   * A connection reset before it was accepted (ECONNABORTED) is skipped.
   * @throws {@link SocketError} for the errors `accept()` rejects with (`EMFILE`, `EBADF`...).
   */
  tryAccept(): [Socket, SocketAddress] | null {
    const fd = this.live('accept');
    while (this.io.readReady) {
      addrLenScratch[0] = addrScratch.length;
      const r = sys().accept4(fd, addrScratch, addrLenScratch, C.SOCK_NONBLOCK | C.SOCK_CLOEXEC);
      if (r >= 0) {
        const peer = decodeSockaddr(addrScratch, addrLenScratch[0]!);
        const options = this.timeout === null ? undefined : { timeout: this.timeout };
        const conn = new Socket(r, this.family, this.type, this.protocol, options, this.acceptedOrigin());
        if (!this.io.referenced) conn.unref();
        return [conn, peer];
      }
      const e = sys().errno();
      // A connection reset before accept is the client's problem, not the listener's.
      if (e !== EINTR && !isWouldBlock(e) && e !== ECONNABORTED) throw systemError('accept', e, this.localText());
      if (isWouldBlock(e)) this.io.readReady = false;
    }
    return null;
  }

  /**
   * `connect(address)`: starts a non-blocking connect and settles when it completes (writable,
   * then SO_ERROR), like Python's `connect` in a coroutine. Numeric hosts only here; the family
   * packages resolve names (Happy Eyeballs) on top.
   */
  async connect(address: AddressInput, options?: OperationOptions): Promise<void> {
    const addr = toAddress(this.family, address, 'connect');
    const text = formatAddress(addr);
    const bytes = encodeSockaddr(addr);
    const d = this.deadline(options, 'connect', text);
    try {
      for (;;) {
        const fd = this.live('connect');
        const r = sys().connect(fd, bytes, bytes.length);
        if (r === 0) break;
        const e = sys().errno();
        if (e === EINTR) continue;
        if (e === EINPROGRESS || e === EALREADY) {
          this.io.writeReady = false;
          await this.io.writable(d.signal);
          const err = this.getOption('SO_ERROR');
          if (err !== 0) throw systemError('connect', err, text);
          break;
        }
        if (isWouldBlock(e)) {
          // AF_UNIX: the listener's backlog is full; wait until the kernel lets us retry.
          this.io.writeReady = false;
          await this.io.writable(d.signal);
          continue;
        }
        throw systemError('connect', e, text);
      }
      this.peerText = text;
    } finally {
      d.done();
    }
  }

  /** `send(data, flags)`: sends what the kernel takes now (waiting until it takes something). */
  send(data: Uint8Array, flags = 0, options?: OperationOptions): Promise<number> {
    // The kernel takes it now (the common case): no closure, no retry loop.
    if (this.io.writeReady && this.fd >= 0) {
      const r = sys().send(this.fd, data, data.byteLength, flags | C.MSG_NOSIGNAL);
      if (r >= 0) return Promise.resolve(r);
      const e = sys().errno();
      if (isWouldBlock(e)) this.io.writeReady = false;
      else if (e !== EINTR) return Promise.reject(systemError('send', e, this.remoteText()));
    }
    return this.perform('write', 'send', options, (fd) => sys().send(fd, data, data.byteLength, flags | C.MSG_NOSIGNAL));
  }

  /** `sendall(data, flags)`: sends every byte, waiting as often as needed. */
  async sendAll(data: Uint8Array, flags = 0, options?: OperationOptions): Promise<void> {
    let offset = 0;
    const d = this.deadline(options, 'send');
    try {
      while (offset < data.byteLength) {
        const rest = offset === 0 ? data : data.subarray(offset);
        offset += await this.perform('write', 'send', { signal: d.signal as AbortSignal, timeout: null }, (fd) =>
          sys().send(fd, rest, rest.byteLength, flags | C.MSG_NOSIGNAL),
        );
      }
    } finally {
      d.done();
    }
  }

  /** `sendto(data, address, flags)`. */
  async sendTo(data: Uint8Array, address: AddressInput, flags = 0, options?: OperationOptions): Promise<number> {
    const addr = toAddress(this.family, address, 'sendto');
    // A reply loop sends to the same peer again and again: its sockaddr is encoded once.
    const { bytes, text } = encodeDestination(this, addr);
    // an async function: address errors above reject rather than throw
    return this.perform('write', 'sendto', options, (fd) => sys().sendto(fd, data, data.byteLength, flags | C.MSG_NOSIGNAL, bytes, bytes.length), text);
  }

  /**
   * `sendmsg(buffers, ancdata, flags, address)`: gathers `buffers` into one message, with
   * ancillary data such as SCM_RIGHTS. Returns the bytes sent.
   */
  async sendMsg(buffers: readonly Uint8Array[], ancillary: readonly ControlMessage[] = [], flags = 0, address?: AddressInput, options?: OperationOptions): Promise<number> {
    const name = address === undefined ? null : encodeSockaddr(toAddress(this.family, address, 'sendmsg'));
    const iov = iovecsFor(buffers);
    const control = ancillary.length ? encodeControl([...ancillary]) : null;
    const msg = Buffer.alloc(sys().abi.msghdrSize);
    writeMsghdr(msg, 0, { name, nameLen: name?.length ?? 0, iov, iovLen: buffers.length, control, controlLen: control?.length ?? 0 });
    return this.perform('write', 'sendmsg', options, (fd) => {
      // keep the referenced buffers alive across the call
      void buffers;
      void control;
      return sys().sendmsg(fd, msg, flags | C.MSG_NOSIGNAL);
    });
  }

  /**
   * Sends several messages in one system call where the OS has `sendmmsg`; waits for
   * writability as needed and resolves when all were sent. Returns the number of messages.
   */
  async sendMany(messages: readonly OutgoingMessage[], flags = 0, options?: OperationOptions): Promise<number> {
    const count = messages.length;
    if (count === 0) return 0;
    const { vector, keep } = this.mmsgVector(messages);
    const size = sys().abi.mmsghdrSize;
    let sent = 0;
    const d = this.deadline(options, 'sendmmsg');
    try {
      while (sent < count) {
        const rest = sent === 0 ? vector : vector.subarray(sent * size);
        sent += await this.perform('write', 'sendmmsg', { signal: d.signal as AbortSignal, timeout: null }, (fd) => sys().sendmmsg(fd, rest, count - sent, flags | C.MSG_NOSIGNAL));
      }
    } finally {
      d.done();
      keep.length = 0;
    }
    return sent;
  }

  /**
   * Lays out `struct mmsghdr`s for `messages` in one allocation (headers, iovecs and encoded
   * destinations together), pointing at the callers' payloads without copying them. A
   * destination object repeated across messages is encoded once.
   */
  private mmsgVector(messages: readonly OutgoingMessage[]): { vector: Buffer; keep: unknown[] } {
    const s = sys();
    const abi = s.abi;
    const le = abi.littleEndian;
    const count = messages.length;
    let iovCount = 0;
    for (const m of messages) iovCount += m.data instanceof Uint8Array ? 1 : m.data.length;
    const iovStart = count * abi.mmsghdrSize;
    const nameStart = iovStart + iovCount * abi.iovecSize;
    const all = Buffer.alloc(nameStart + count * 128);
    const view = new DataView(all.buffer, all.byteOffset, all.byteLength);
    const base = s.addressOf(all);
    const keep: unknown[] = [all];
    const m = abi.msghdr;
    let iov = iovStart;
    let lastAddress: unknown;
    let lastName: Uint8Array | null = null;
    for (let i = 0; i < count; i++) {
      const msg = messages[i]!;
      const parts = msg.data instanceof Uint8Array ? [msg.data] : msg.data;
      const header = i * abi.mmsghdrSize;
      view.setBigUint64(header + m.iov, base + BigInt(iov), le);
      view.setBigUint64(header + m.iovlen, BigInt(parts.length), le);
      for (const part of parts) {
        view.setBigUint64(iov, part.byteLength === 0 ? 0n : s.addressOf(part), le);
        view.setBigUint64(iov + abi.pointerSize, BigInt(part.byteLength), le);
        iov += abi.iovecSize;
      }
      keep.push(parts);
      if (msg.address !== undefined) {
        if (msg.address !== lastAddress) {
          lastAddress = msg.address;
          lastName = encodeSockaddr(toAddress(this.family, msg.address, 'sendmmsg'));
        }
        const nameAt = nameStart + i * 128;
        all.set(lastName!, nameAt);
        view.setBigUint64(header + m.name, base + BigInt(nameAt), le);
        view.setUint32(header + m.namelen, lastName!.length, le);
      }
      if (msg.ancillary?.length) {
        const control = encodeControl([...msg.ancillary]);
        keep.push(control);
        view.setBigUint64(header + m.control, s.addressOf(control), le);
        view.setBigUint64(header + m.controllen, BigInt(control.length), le);
      }
    }
    return { vector: all.subarray(0, iovStart), keep };
  }

  /**
   * Sends the filled messages of a reusable {@link SendBatch} with `sendmmsg`, as few calls as
   * the kernel allows, waiting for writability as needed. Resolves with the number sent (all of
   * them).
   */
  async sendBatch(batch: SendBatch, flags = 0, options?: OperationOptions): Promise<number> {
    const total = batch.count;
    let sent = 0;
    while (sent < total) {
      const start = sent;
      sent += await this.perform('write', 'sendmmsg', options, (fd) => sys().sendmmsg(fd, batch.from(start), total - start, flags | C.MSG_NOSIGNAL));
    }
    return sent;
  }

  /**
   * Non-waiting {@link Socket.sendBatch} from message `start`: how many messages the kernel took
   * now (maybe fewer than asked), or -1 when the send buffer is full.
   */
  trySendBatch(batch: SendBatch, start = 0, flags = 0): number {
    this.live('sendmmsg');
    if (!this.io.writeReady) return -1;
    return this.attempt('write', 'sendmmsg', (fd) => sys().sendmmsg(fd, batch.from(start), batch.count - start, flags | C.MSG_NOSIGNAL));
  }

  /** `recv(bufsize, flags)`: up to `bufsize` bytes; an empty Buffer means the peer closed. */
  async recv(bufsize: number, flags = 0, options?: OperationOptions): Promise<Buffer> {
    const buf = Buffer.allocUnsafe(bufsize);
    const n = await this.recvInto(buf, bufsize, flags, options);
    return buf.subarray(0, n);
  }

  /** `recv_into(buffer, nbytes, flags)`: reads into `buffer`, returns the byte count. */
  recvInto(buffer: Uint8Array, nbytes = buffer.byteLength, flags = 0, options?: OperationOptions): Promise<number> {
    const n = Math.min(nbytes, buffer.byteLength);
    const drains = this.type === C.SOCK_STREAM && (flags & C.MSG_PEEK) === 0;
    const read = (fd: number): number => {
      const ahead = this.readAheadInto(buffer, n, flags);
      if (ahead >= 0 || ahead === NOT_READY) return ahead;
      const r = sys().recv(fd, buffer, n, flags);
      if (drains && r > 0 && r < n) this.io.shortRead();
      if (r >= BULK_READ) this.io.bulkRead();
      return r;
    };
    return this.perform('read', 'recv', options, read, undefined, flags === 0);
  }

  /** `recvfrom(bufsize, flags)`: data and the sender's address. */
  async recvFrom(bufsize: number, flags = 0, options?: OperationOptions): Promise<[Buffer, SocketAddress | null]> {
    const buf = Buffer.allocUnsafe(bufsize);
    const [n, addr] = await this.recvFromInto(buf, bufsize, flags, options);
    return [buf.subarray(0, n), addr];
  }

  /** `recvfrom_into(buffer, nbytes, flags)`: byte count and the sender's address. */
  async recvFromInto(buffer: Uint8Array, nbytes = buffer.byteLength, flags = 0, options?: OperationOptions): Promise<[number, SocketAddress | null]> {
    const n = Math.min(nbytes, buffer.byteLength);
    let addr: SocketAddress | null = null;
    const read = (fd: number): number => {
      const ahead = this.readAheadInto(buffer, n, flags);
      if (ahead >= 0 || ahead === NOT_READY) return ahead; // a stream socket's: no address, as recvfrom gives none
      addrLenScratch[0] = addrScratch.length;
      const r = sys().recvfrom(fd, buffer, n, flags, addrScratch, addrLenScratch);
      if (r >= 0) addr = addrLenScratch[0]! > 0 ? decodeSockaddr(addrScratch, addrLenScratch[0]!) : null;
      if (r >= BULK_READ) this.io.bulkRead();
      return r;
    };
    const got = await this.perform('read', 'recvfrom', options, read, undefined, flags === 0);
    return [got, addr];
  }

  /**
   * `recvmsg(bufsize, ancbufsize, flags)`: data, ancillary data (SCM_RIGHTS, IP_PKTINFO,
   * timestamps...), message flags and sender. Size `ancbufsize` with `CMSG_SPACE`.
   */
  async recvMsg(bufsize: number, ancbufsize = 0, flags = 0, options?: OperationOptions): Promise<ReceivedMsg> {
    const data = Buffer.allocUnsafe(bufsize);
    const control = ancbufsize > 0 ? Buffer.alloc(ancbufsize) : null;
    const name = Buffer.alloc(128);
    const iov = iovecsFor([data]);
    const msg = Buffer.alloc(sys().abi.msghdrSize);
    let readAhead = false;
    // Ancillary data comes only with a recvmsg of the kernel's: bytes from here on are read so.
    if (control !== null) this.io.leaveCompletionReads();
    const read = (fd: number): number => {
      const ahead = this.readAheadInto(data, bufsize, flags);
      if (ahead >= 0) {
        // Bytes taken from the kernel ahead (by the poller, or by completion) with a plain
        // receive: no address, no ancillary data (see prepareRead).
        readAhead = true;
        return ahead;
      }
      if (ahead === NOT_READY) return ahead;
      writeMsghdr(msg, 0, { name, nameLen: name.length, iov, iovLen: 1, control, controlLen: control?.length ?? 0 });
      const r = sys().recvmsg(fd, msg, flags | C.MSG_CMSG_CLOEXEC);
      if (r >= BULK_READ) this.io.bulkRead();
      return r;
    };
    const n = await this.perform('read', 'recvmsg', options, read, undefined, flags === 0 && control === null);
    const result = readAhead ? { controlLen: 0, flags: 0, nameLen: 0 } : readMsghdr(msg, 0);
    return {
      data: data.subarray(0, n),
      ancillary: control && result.controlLen > 0 ? decodeControl(control, result.controlLen) : [],
      flags: result.flags,
      address: result.nameLen > 0 ? decodeSockaddr(name, result.nameLen) : null,
    };
  }

  /**
   * Receives into a reusable {@link MessageBatch} with one `recvmmsg` call (waiting until at
   * least one message is there). Returns how many messages arrived; read them from the batch.
   */
  recvBatch(batch: MessageBatch, flags = 0, options?: OperationOptions): Promise<number> {
    return this.perform('read', 'recvmmsg', options, (fd) => this.receiveBatch(fd, batch, flags));
  }

  /** Non-waiting {@link Socket.recvBatch}: returns -1 when nothing is queued. */
  tryRecvBatch(batch: MessageBatch, flags = 0): number {
    if (!this.io.readReady) return -1;
    return this.attempt('read', 'recvmmsg', (fd) => this.receiveBatch(fd, batch, flags));
  }

  private receiveBatch(fd: number, batch: MessageBatch, flags: number): number {
    if (this.io.hasReadAhead) {
      const placed = this.placeReadAhead(batch, flags);
      if (placed > 0) return placed;
    }
    if (this.io.completionReads) {
      // A stream socket's bytes are being received by completion: that request ends first.
      this.io.leaveCompletionReads();
      this.io.readReady = false;
      return NOT_READY;
    }
    const n = batch.receive(fd, flags);
    // recvmmsg stops early only when the queue ran dry: with edge-triggered readiness the next
    // datagram brings a new edge, so the read that would only say EAGAIN is skipped.
    if (n > 0 && n < batch.capacity && (flags & C.MSG_PEEK) === 0) this.io.shortRead();
    return n;
  }

  /**
   * Bytes a stream socket already took from the kernel (a read made ahead, arrivals by
   * completion) go into the batch before any new call, each message taking up to a slot of the
   * stream as recvmmsg would: how many messages that filled (an end of stream is one empty
   * message), or 0 when there was nothing taken early. A peek fills one message.
   */
  private placeReadAhead(batch: MessageBatch, flags: number): number {
    let i = 0;
    while (i < batch.capacity) {
      // After the first message only bytes follow: an end or error waits for the next call.
      if (i > 0 && (this.io.unreadBytes === 0 || (flags & C.MSG_PEEK) !== 0)) break;
      const n = this.readAheadInto(batch.slot(i), batch.slotSize, flags);
      if (n < 0) break; // nothing taken early (-1), or waiting for an arrival (NOT_READY)
      batch.placeReceived(i++, n);
      if (n === 0) break;
    }
    return i;
  }

  /**
   * Receives up to `count` messages of up to `bufsize` bytes each in one `recvmmsg` call
   * (waiting until at least one is there). For a hot loop, reuse a {@link MessageBatch} with
   * {@link Socket.recvBatch} instead.
   */
  async recvMany(count: number, bufsize: number, flags = 0, options?: OperationOptions): Promise<ReceivedMessage[]> {
    const batch = new MessageBatch(count, bufsize);
    const n = await this.recvBatch(batch, flags, options);
    return batch.copyOut(n);
  }

  /**
   * Reads what is there now without waiting: the byte count, 0 at end of stream, or -1 when
   * nothing is queued. The stream layer's hot path.
   */
  tryRecvInto(buffer: Uint8Array, nbytes = buffer.byteLength, flags = 0): number {
    if (!this.io.readReady) return -1;
    const drains = this.type === C.SOCK_STREAM && (flags & C.MSG_PEEK) === 0;
    const fd = this.live('recv');
    // The poller may have read it already, with the other sockets of its wake-up.
    const ahead = this.readAheadInto(buffer, nbytes, flags);
    if (ahead >= 0) return ahead;
    if (ahead === NOT_READY) return -1;
    // The call inline rather than through attempt(): no closure per read on the stream hot path.
    let r: number;
    do r = sys().recv(fd, buffer, nbytes, flags);
    while (r < 0 && this.retry('read', 'recv'));
    if (drains && r > 0 && r < nbytes) this.io.shortRead();
    return r < 0 ? -1 : r;
  }

  /**
   * Writes what the kernel takes now without waiting, gathering `buffers` (writev-style, via
   * sendmsg with MSG_NOSIGNAL): the byte count, or -1 when the send buffer is full.
   */
  trySendv(buffers: readonly Uint8Array[]): number {
    this.live('sendmsg');
    if (!this.io.writeReady) return -1;
    const fd = this.fd;
    let r: number;
    if (buffers.length === 1) {
      // One chunk: plain send(), no iovec to lay out (and, inline, no closure per write).
      const only = buffers[0]!;
      do r = sys().send(fd, only, only.byteLength, C.MSG_NOSIGNAL);
      while (r < 0 && this.retry('write', 'send'));
      return r < 0 ? -1 : r;
    }
    // The call is synchronous, so one scratch iovec array and msghdr serve every socket.
    const abi = sys().abi;
    if (sendvScratch.iov.length < buffers.length * abi.iovecSize) sendvScratch.iov = Buffer.alloc(buffers.length * abi.iovecSize * 2);
    const iov = sendvScratch.iov;
    writeIovecs(iov, buffers, abi);
    writeMsghdr(sendvScratch.msg, 0, { name: null, nameLen: 0, iov, iovLen: buffers.length, control: null, controlLen: 0 }, abi);
    do r = sys().sendmsg(fd, sendvScratch.msg, C.MSG_NOSIGNAL);
    while (r < 0 && this.retry('write', 'sendmsg'));
    return r < 0 ? -1 : r;
  }

  /**
   * @internal The batched form of {@link Socket.trySendv}: queues in `batch` a send of the
   * `length` bytes staged at `offset`, and returns its index there, or -1 (nothing queued) when
   * the send buffer is known to be full (EAGAIN seen since the last writable edge).
   */
  queueBatchedSend(batch: SyscallBatch, offset: number, length: number): number {
    const fd = this.live('send');
    if (!this.io.writeReady) return -1;
    return batch.send(fd, offset, length, C.MSG_NOSIGNAL);
  }

  /**
   * @internal What {@link Socket.trySendv} returns, from a batched send's result: the byte
   * count, or -1 on EAGAIN (the write side then waits for its next edge); other errors throw
   * the typed error a direct send would have thrown.
   */
  settleBatchedSend(result: number): number {
    if (result >= 0) return result;
    if (isWouldBlock(-result)) {
      this.io.writeReady = false;
      return -1;
    }
    throw systemError('send', -result, this.remoteText());
  }

  /** Resolves when the socket may be readable (for layers that read with the try* calls). */
  waitReadable(signal?: AbortSignal): Promise<void> {
    this.live('poll');
    return this.io.readable(signal);
  }

  /**
   * Calls `listener` once, at the next readable edge (or with the error that closed the socket);
   * `undefined` disarms it. The promise-free form of {@link Socket.waitReadable} for read loops
   * that run inside the poller's dispatch (the stream layer's readers). While armed it keeps the
   * process alive like a pending `recv`. Only one listener per socket. `listener` may be an
   * object with an `onReadable(error?)` method ({@link ReadableListener}) instead of a function:
   * a reader can then be its own listener, with no closure per socket.
   */
  onNextReadable(listener: ReadListener | undefined): void {
    if (listener !== undefined) this.live('poll');
    this.io.setReadListener(listener);
  }

  /** Resolves when the socket may be writable again. */
  waitWritable(signal?: AbortSignal): Promise<void> {
    this.live('poll');
    return this.io.writable(signal);
  }

  /**
   * Stops or resumes the kernel reporting readability (flow control): while reads are paused
   * the kernel receive buffer fills and TCP's window closes, slowing the sender end to end.
   */
  setReadInterest(enabled: boolean): void {
    this.live('epoll_ctl');
    this.io.setInterest(enabled ? 3 : 2);
  }

  /** `shutdown(how)`: half-close ('write' sends FIN), 'read', or 'both'. */
  shutdown(how: ShutdownHow = 'both'): void {
    const fd = this.live('shutdown');
    checked('shutdown', () => sys().shutdown(fd, shutdownHow(how)), this.remoteText());
  }

  /**
   * `close()`: closes the fd now. Waiting operations reject with an EBADF {@link SocketError}.
   * Closing twice is harmless.
   */
  close(): void {
    if (this.fd < 0) return;
    const fd = this.fd;
    this.release('close');
    sys().close(fd);
  }

  /**
   * `detach()`: gives up the fd without closing it and returns it; the Socket becomes closed.
   * Bytes a TCP socket had already received by completion for its awaited reads and not yet
   * handed to a read are dropped with it: read what you expect before detaching.
   */
  detach(): number {
    const fd = this.live('detach');
    this.release('detach');
    return fd;
  }

  /** `dup()`: a new Socket on a duplicate fd (close-on-exec). */
  dup(): Socket {
    const fd = this.live('dup');
    const copy = checked('dup', () => sys().fcntl(fd, C.F_DUPFD_CLOEXEC, 0));
    return new Socket(copy, this.family, this.type, this.protocol, { timeout: this.timeout });
  }

  /** `getsockname()`. */
  getsockname(): SocketAddress {
    const fd = this.live('getsockname');
    addrLenScratch[0] = addrScratch.length;
    checked('getsockname', () => sys().getsockname(fd, addrScratch, addrLenScratch));
    return decodeSockaddr(addrScratch, addrLenScratch[0]!);
  }

  /** `getpeername()`. */
  getpeername(): SocketAddress {
    const fd = this.live('getpeername');
    addrLenScratch[0] = addrScratch.length;
    checked('getpeername', () => sys().getpeername(fd, addrScratch, addrLenScratch));
    return decodeSockaddr(addrScratch, addrLenScratch[0]!);
  }

  /** Sets a typed option: `setOption('SO_REUSEADDR', true)`, `setOption('SO_LINGER', {...})`. */
  setOption<N extends OptionName>(name: N, value: OptionValue<N>): void;
  /** Python's `setsockopt(level, optname, value)` with an int or raw bytes. */
  setOption(level: number, optname: number, value: number | boolean | Uint8Array): void;
  setOption(a: OptionName | number, b: unknown, c?: number | boolean | Uint8Array): void {
    const fd = this.live('setsockopt');
    let level: number, optname: number, bytes: Uint8Array;
    if (typeof a === 'string') {
      const spec = optionSpec(a);
      if (!spec.writable) throw invalidArgument(`${a} cannot be set`, 'setsockopt');
      ({ level, optname } = spec);
      bytes = encodeOption(spec.kind, b, a);
    } else {
      level = a;
      optname = b as number;
      bytes = c instanceof Uint8Array ? c : encodeOption('int', c, `option ${optname}`);
    }
    checked('setsockopt', () => sys().setsockopt(fd, level, optname, bytes, bytes.byteLength));
  }

  /** Reads a typed option: `getOption('SO_RCVBUF')`, `getOption('SO_PEERCRED')`. */
  getOption<N extends OptionName>(name: N): OptionValue<N>;
  /** Python's `getsockopt(level, optname)` as an int, or `(level, optname, buflen)` as bytes. */
  getOption(level: number, optname: number): number;
  getOption(level: number, optname: number, buflen: number): Buffer;
  getOption(a: OptionName | number, optname?: number, buflen?: number): unknown {
    const fd = this.live('getsockopt');
    if (typeof a === 'string') {
      const spec = optionSpec(a);
      if (!spec.readable) throw invalidArgument(`${a} cannot be read`, 'getsockopt');
      const buf = Buffer.alloc(optionSize(spec.kind));
      const len = new Uint32Array([buf.length]);
      checked('getsockopt', () => sys().getsockopt(fd, spec.level, spec.optname, buf, len));
      return decodeOption(spec.kind, buf, len[0]!);
    }
    const buf = Buffer.alloc(buflen ?? 4);
    const len = new Uint32Array([buf.length]);
    checked('getsockopt', () => sys().getsockopt(fd, a, optname!, buf, len));
    return buflen === undefined ? (decodeOption('int', buf, len[0]!) as number) : buf.subarray(0, len[0]);
  }

  /**
   * `ioctl(fd, request, arg)` with a pointer argument that the kernel reads and may fill in
   * (a `struct ifreq` for SIOCGIFINDEX/SIOCGIFMTU/SIOCGIFFLAGS, an int for FIONREAD...).
   * Returns the call's non-negative result.
   */
  ioctl(request: number, arg: Uint8Array): number {
    const fd = this.live('ioctl');
    return checked('ioctl', () => sys().ioctl(fd, request, arg));
  }

  /** Whether the fd is inherited by child processes (not close-on-exec). Python's `get_inheritable`. */
  get inheritable(): boolean {
    const fd = this.live('fcntl');
    return (checked('fcntl', () => sys().fcntl(fd, C.F_GETFD, 0)) & C.FD_CLOEXEC) === 0;
  }

  set inheritable(value: boolean) {
    const fd = this.live('fcntl');
    const flags = checked('fcntl', () => sys().fcntl(fd, C.F_GETFD, 0));
    checked('fcntl', () => sys().fcntl(fd, C.F_SETFD, value ? flags & ~C.FD_CLOEXEC : flags | C.FD_CLOEXEC));
  }

  /** Let pending operations on this socket keep the process alive (the default), like `net.Socket.ref`. */
  ref(): this {
    this.io.ref();
    return this;
  }

  /** Whether pending operations on this socket keep the process alive ({@link Socket.ref}). */
  hasRef(): boolean {
    return this.io.referenced;
  }

  /** Don't let pending operations on this socket keep the process alive. */
  unref(): this {
    this.io.unref();
    return this;
  }

  /** `await using sock = ...` closes it. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
  }

  /** `using sock = ...` closes it. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** A short description for logs: `Socket(fd=12, AF_INET, SOCK_STREAM, 127.0.0.1:80)`. */
  toString(): string {
    return `Socket(fd=${this.fd}, family=${this.family}, type=${this.type}, proto=${this.protocol})`;
  }

  // ---- internals -------------------------------------------------------------------------

  private acceptedOrigin(): string {
    let origin = acceptedOrigins.get(this);
    if (origin === undefined) {
      const listenerOrigin = this.io.origin === undefined ? '' : ` created ${this.io.origin.replace(/^Error\n/, '\n')}`;
      origin = `by accept() on a listener (${this.localText() ?? 'unbound'})${listenerOrigin}`;
      acceptedOrigins.set(this, origin);
    }
    return origin;
  }

  private live(syscall: string): number {
    if (this.fd < 0) throw closedSocketError(syscall);
    return this.fd;
  }

  private release(syscall: 'close' | 'detach'): void {
    // Closed first: the listeners dispose() calls with the error must see the socket closed.
    this.fd = -1;
    forgetLeakWatch(this);
    this.io.dispose(() => closedSocketError(syscall));
  }

  private deadline(options: OperationOptions | undefined, syscall: string, address?: string): Deadline {
    return deadline(options, this.timeout, syscall, () => address ?? this.remoteText(), this.io.referenced);
  }

  /**
   * Runs a read-side (`'read'`) or write-side call until it succeeds, waiting for readability or
   * writability on EAGAIN. `address` names the peer in errors (default: the connected peer).
   */
  private perform(kind: Direction, syscall: string, options: OperationOptions | undefined, call: (fd: number) => number, address?: string, byCompletion = false): Promise<number> {
    // Fast path: no deadline, no queueing, when the data is already there (or the kernel takes it at once).
    if (kind === 'read' ? this.io.readReady : this.io.writeReady) {
      try {
        const r = this.attempt(kind, syscall, call, address);
        if (r >= 0) return Promise.resolve(r);
      } catch (e) {
        return Promise.reject(e);
      }
    } else if (this.fd < 0) return Promise.reject(closedSocketError(syscall));
    // A TCP read that waits: from here the bytes may come by completion (see completion-reads.ts).
    const completions = byCompletion && this.tcp && startCompletionReads(this.io);
    const waiting = this.waitFor(kind, syscall, options, () => this.attempt(kind, syscall, call, address), address);
    // Queued first, so the arrivals already in memory can settle it now.
    if (completions) takeArrivalsNow();
    return waiting;
  }

  /** A TCP socket's: its stream carries no ancillary data a plain receive would drop. */
  private get tcp(): boolean {
    return this.type === C.SOCK_STREAM && (this.family === C.AF_INET || this.family === C.AF_INET6) && (this.protocol === 0 || this.protocol === C.IPPROTO_TCP);
  }

  /** Queues an attempt until the poller's next edge, under the operation's deadline. */
  private waitFor(kind: Direction, syscall: string, options: OperationOptions | undefined, attempt: () => number, address?: string): Promise<number> {
    // No deadline, no signal: nothing to build (the common awaited read).
    if (options === undefined && this.timeout === null) return this.io.submit(kind, attempt);
    const d = this.deadline(options, syscall, address);
    const p = this.io.submit(kind, attempt, d.signal);
    if (d.signal === undefined || d.signal === options?.signal) return p;
    return p.then(
      (r) => {
        d.done();
        return r;
      },
      (e: unknown) => {
        d.done();
        throw e;
      },
    );
  }

  /**
   * One try of a call, retried on EINTR: its result, or -1 on EAGAIN (clearing the side's ready
   * flag until the next edge).
   */
  private attempt(kind: Direction, syscall: string, call: (fd: number) => number, address?: string): number {
    const fd = this.live(syscall);
    for (;;) {
      const r = call(fd);
      if (r >= 0) return r;
      if (r === NOT_READY) return -1; // waits for an arrival by completion; no call was made
      const e = sys().errno();
      if (e === EINTR) continue;
      if (isWouldBlock(e)) {
        if (kind === 'read') this.io.readReady = false;
        else this.io.writeReady = false;
        return -1;
      }
      throw systemError(syscall, e, address ?? this.remoteText());
    }
  }

  /**
   * The bytes of a read the poller made ahead or that arrived by completion (see
   * {@link IoState.takeReadAhead}), -1 when there are none and the call is made directly, or
   * NOT_READY when a kernel request receives by completion and nothing arrived yet (no call may
   * be made). An EAGAIN made ahead (an edge with nothing to read, rare) is also -1: the direct
   * call finds it again, and sets errno for attempt().
   */
  private readAheadInto(buffer: Uint8Array, nbytes: number, flags: number): number {
    // Urgent data never comes ahead: it is read apart from the stream.
    if (!this.io.hasReadAhead || (flags & C.MSG_OOB) !== 0) return -1;
    const ahead = this.io.takeReadAhead(buffer, nbytes, (flags & C.MSG_PEEK) !== 0);
    if (ahead >= 0 || ahead === NOT_READY) return ahead;
    if (ahead !== CALL_NOT_MADE && !isWouldBlock(-ahead)) throw systemError('recv', -ahead, this.remoteText());
    return -1;
  }

  /**
   * After a call returned -1: true to retry it (EINTR), false on EAGAIN (the side's ready flag
   * cleared until the next edge); any other errno throws the typed error.
   */
  private retry(kind: Direction, syscall: string): boolean {
    const e = sys().errno();
    if (e === EINTR) return true;
    if (isWouldBlock(e)) {
      if (kind === 'read') this.io.readReady = false;
      else this.io.writeReady = false;
      return false;
    }
    throw systemError(syscall, e, this.remoteText());
  }

  private remoteText(): string | undefined {
    if (this.peerText === undefined) this.peerText = peerAddressText(this.fd);
    return this.peerText;
  }

  private localText(): string | undefined {
    try {
      return formatAddress(this.getsockname());
    } catch {
      return undefined;
    }
  }
}
