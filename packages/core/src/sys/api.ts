/**
 * The one interface every OS file implements (`linux.ts`, `darwin.ts`, `win32.ts`).
 *
 * The calls are thin: they return the C return value (-1 on failure) and leave `errno()` set, so
 * the hot paths (recv returning EAGAIN) never pay for an exception. `calls.ts` turns failures into
 * typed errors and retries EINTR. Byte arguments are Buffers or Uint8Arrays passed by pointer,
 * zero copy; they must stay referenced for the duration of the call, which JS guarantees.
 */

/** Bytes handed to a system call by pointer. */
export type Bytes = Uint8Array;

/** The sizes and offsets that differ between ABIs; the portable code reads them from here. */
export interface AbiLayout {
  /** `sizeof(void *)`. */
  readonly pointerSize: number;
  /** `sizeof(struct epoll_event)`: 12 on x86-64 (packed), 16 on arm64 and others. */
  readonly epollEventSize: number;
  /** Offset of `data` inside `struct epoll_event`: 4 on x86-64, 8 elsewhere. */
  readonly epollDataOffset: number;
  /** `sizeof(struct msghdr)`. */
  readonly msghdrSize: number;
  /** Field offsets inside `struct msghdr` (BSD packs socklen_t fields differently). */
  readonly msghdr: {
    readonly name: number;
    readonly namelen: number;
    readonly iov: number;
    readonly iovlen: number;
    readonly control: number;
    readonly controllen: number;
    readonly flags: number;
  };
  /** Offset of `msg_len` inside `struct mmsghdr`. */
  readonly mmsgLenOffset: number;
  /** Whether the machine is little-endian (pointers and host-order fields). */
  readonly littleEndian: boolean;
  /** `sizeof(struct mmsghdr)` (msghdr plus `unsigned int msg_len`, padded). */
  readonly mmsghdrSize: number;
  /** `sizeof(struct iovec)`. */
  readonly iovecSize: number;
  /** `sizeof(struct cmsghdr)`; cmsg_len is a size_t on Linux, a socklen_t on BSD. */
  readonly cmsghdrSize: number;
  /** Alignment of control messages (`CMSG_ALIGN`). */
  readonly cmsgAlign: number;
  /** Whether sockaddr structures start with a length byte (BSD) or not (Linux). */
  readonly sockaddrHasLength: boolean;
  /** `sizeof(struct sockaddr_storage)`. */
  readonly sockaddrStorageSize: number;
  /** `sizeof(struct ucred)` / `xucred`. */
  readonly ucredSize: number;
}

/** The raw system calls rxsock makes. Every function returns what the C function returns. */
export interface SysCalls {
  /** Platform name for messages (`'linux'`). */
  readonly platform: string;
  /** Layouts of this ABI. */
  readonly abi: AbiLayout;
  /** The errno left by the last call on this thread. */
  errno(): number;
  /** `strerror(errno)`. */
  strerror(errno: number): string;

  socket(domain: number, type: number, protocol: number): number;
  socketpair(domain: number, type: number, protocol: number, fds: Int32Array): number;
  bind(fd: number, addr: Bytes, addrLen: number): number;
  listen(fd: number, backlog: number): number;
  /** `accept4(fd, addr, &len, flags)`; `addrLen` is an in/out one-element array. */
  accept4(fd: number, addr: Bytes | null, addrLen: Uint32Array | null, flags: number): number;
  connect(fd: number, addr: Bytes, addrLen: number): number;
  send(fd: number, buf: Bytes, len: number, flags: number): number;
  recv(fd: number, buf: Bytes, len: number, flags: number): number;
  sendto(fd: number, buf: Bytes, len: number, flags: number, addr: Bytes | null, addrLen: number): number;
  recvfrom(fd: number, buf: Bytes, len: number, flags: number, addr: Bytes | null, addrLen: Uint32Array | null): number;
  /** `sendmsg(fd, msg, flags)` with a `struct msghdr` laid out in `msg`. */
  sendmsg(fd: number, msg: Bytes, flags: number): number;
  recvmsg(fd: number, msg: Bytes, flags: number): number;
  /** `sendmmsg(fd, vec, vlen, flags)` with `vlen` `struct mmsghdr` laid out in `vec`. */
  sendmmsg(fd: number, vec: Bytes, vlen: number, flags: number): number;
  /** `recvmmsg(fd, vec, vlen, flags, NULL)`. */
  recvmmsg(fd: number, vec: Bytes, vlen: number, flags: number): number;
  readv(fd: number, iov: Bytes, iovcnt: number): number;
  writev(fd: number, iov: Bytes, iovcnt: number): number;
  read(fd: number, buf: Bytes, len: number): number;
  write(fd: number, buf: Bytes, len: number): number;
  shutdown(fd: number, how: number): number;
  close(fd: number): number;
  dup(fd: number): number;
  /** `fcntl(fd, F_DUPFD_CLOEXEC, min)` and friends with an int argument. */
  fcntl(fd: number, cmd: number, arg: number): number;
  setsockopt(fd: number, level: number, name: number, value: Bytes, len: number): number;
  getsockopt(fd: number, level: number, name: number, value: Bytes, len: Uint32Array): number;
  getsockname(fd: number, addr: Bytes, len: Uint32Array): number;
  getpeername(fd: number, addr: Bytes, len: Uint32Array): number;
  /** `ioctl(fd, request, arg)` with a pointer argument (struct ifreq, int). */
  ioctl(fd: number, request: number, arg: Bytes): number;
  pipe2(fds: Int32Array, flags: number): number;

  ifNameToIndex(name: string): number;
  /** `if_indextoname`, or null when there is no such interface. */
  ifIndexToName(index: number): string | null;
  /** `if_nameindex()` decoded; throws on failure. */
  ifNameIndex(): Array<[index: number, name: string]>;
  gethostname(buf: Bytes, len: number): number;

  /**
   * `getaddrinfo` run on libuv's thread pool (it may block on DNS), decoded. Resolves with the
   * gai error code (0 on success) and the entries.
   */
  getaddrinfoAsync(host: string | null, service: string | null, hints: AddrinfoHints): Promise<AddrinfoResult>;
  /** `getnameinfo` run on the thread pool. */
  getnameinfoAsync(addr: Bytes, addrLen: number, flags: number): Promise<{ status: number; host: string; service: string }>;
  /** `gai_strerror`. */
  gaiStrerror(code: number): string;

  epollCreate1(flags: number): number;
  epollCtl(epfd: number, op: number, fd: number, event: Bytes | null): number;
  epollWait(epfd: number, events: Bytes, maxEvents: number, timeoutMs: number): number;
  /** `epoll_wait` on a libuv pool thread, for the thread-wait fallback. */
  epollWaitAsync(epfd: number, events: Bytes, maxEvents: number, timeoutMs: number): Promise<number>;
  eventfd(initval: number, flags: number): number;
  /** `io_uring_setup(entries, params)` (Linux): the ring's fd, or -1 (errno set). */
  ioUringSetup(entries: number, params: Bytes): number;
  /**
   * `io_uring_enter(fd, toSubmit, minComplete, flags, NULL, 0)` (Linux): how many entries were
   * submitted, or -1 (errno set).
   */
  ioUringEnter(fd: number, toSubmit: number, minComplete: number, flags: number): number;
  /** `io_uring_register(fd, opcode, arg, count)` (Linux): 0 or more, or -1 (errno set). */
  ioUringRegister(fd: number, opcode: number, arg: Bytes, count: number): number;

  /**
   * Sets the C allocator's trim threshold (glibc `mallopt(M_TRIM_THRESHOLD)`): how much freed
   * memory at the top of the heap is kept rather than returned to the OS. False where the C
   * library has no such knob (musl, other OSes).
   */
  setMallocTrimThreshold(bytes: number): boolean;

  /**
   * Gives the C heap's free pages back to the OS, wherever they sit in the heap (glibc
   * `malloc_trim(0)`). False where the C library has no such call (musl, other OSes).
   */
  releaseFreeHeap(): boolean;

  /** Address of a Buffer's bytes, for pointers stored inside structures (msghdr, iovec). */
  addressOf(buf: Bytes): bigint;

  /**
   * `mmap(addr or NULL, length, prot, flags, fd, offset)`: the mapping's address, or -1n on
   * failure (errno set). Used for kernel rings shared with a socket (TPACKET_V3).
   */
  mmap(addr: bigint | null, length: number, prot: number, flags: number, fd: number, offset: number): bigint;
  /** `munmap(addr, length)`. */
  munmap(addr: bigint, length: number): number;
  /**
   * An ArrayBuffer over `length` bytes of native memory at `addr` (no copy). It is not
   * detachable: the memory must stay mapped for as long as the buffer is reachable.
   */
  memoryView(addr: bigint, length: number): ArrayBuffer;
  /**
   * Loads an optional shared library by the first of `names` that loads, or null when none
   * does. Its functions are declared with C prototypes, as koffi takes them.
   */
  loadLibrary(names: readonly string[]): NativeLibrary | null;
}

/** A shared library loaded by the sys layer (`loadNativeLibrary`). */
export interface NativeLibrary {
  /** The file name that loaded. */
  readonly name: string;
  /** A function of the library from its C prototype (`'int pcap_compile(void *p, ...)'`). */
  func(prototype: string): (...args: never[]) => unknown;
  /** Reads a NUL-terminated C string at a native address (null for a null pointer). */
  readCString(ptr: unknown): string | null;
}

/** `struct addrinfo` hints. */
export interface AddrinfoHints {
  family: number;
  socktype: number;
  protocol: number;
  flags: number;
}

/** One decoded `struct addrinfo`. */
export interface AddrinfoEntry {
  family: number;
  socktype: number;
  protocol: number;
  canonname: string | null;
  /** A copy of the sockaddr bytes. */
  addr: Uint8Array;
}

/** The result of `getaddrinfoAsync`. */
export interface AddrinfoResult {
  status: number;
  /** errno, when status is EAI_SYSTEM. */
  errno: number;
  entries: AddrinfoEntry[];
}

/** The libuv entry points the poller drives (exported by the running node binary). */
export interface UvCalls {
  /** Whether the running binary exports libuv's symbols. */
  readonly available: boolean;
  defaultLoop(): bigint;
  pollSize(): number;
  pollInit(loop: bigint, handle: Bytes, fd: number): number;
  /** Starts the poll with the one registered callback (see `registerPollCallback`). */
  pollStart(handle: Bytes, events: number, callback: bigint): number;
  pollStop(handle: Bytes): number;
  close(handle: Bytes, callback: bigint): void;
  ref(handle: Bytes): void;
  unref(handle: Bytes): void;
  /** Registers `fn(handleAddress, status, events)` as a `uv_poll_cb`; returns its pointer. */
  registerPollCallback(fn: (handle: bigint, status: number, events: number) => void): bigint;
  /** Registers `fn(handleAddress)` as a `uv_close_cb`. */
  registerCloseCallback(fn: (handle: bigint) => void): bigint;
  unregister(callback: bigint): void;
  /** `uv_strerror`-like name for a libuv error code. */
  errName(code: number): string;
}
