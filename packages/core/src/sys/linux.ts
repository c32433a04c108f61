/**
 * Linux bindings (x86-64, arm64 and the other 64-bit ABIs glibc/musl run on), through koffi.
 * The only file that knows Linux's symbol names and structure layouts.
 */
import koffi from 'koffi';
import { endianness } from 'node:os';
import type { LibraryHandle } from 'koffi';
import type { AbiLayout, AddrinfoEntry, AddrinfoHints, AddrinfoResult, Bytes, SysCalls, UvCalls } from './api.js';

/** Linux layouts; epoll_event is the one that differs between ABIs. */
function linuxAbi(arch: string): AbiLayout {
  // glibc declares struct epoll_event __attribute__((packed)) only on x86-64 (EPOLL_PACKED).
  const packedEpoll = arch === 'x64';
  const pointerSize = 8;
  return {
    pointerSize,
    epollEventSize: packedEpoll ? 12 : 16,
    epollDataOffset: packedEpoll ? 4 : 8,
    msghdrSize: 56,
    msghdr: { name: 0, namelen: 8, iov: 16, iovlen: 24, control: 32, controllen: 40, flags: 48 },
    mmsgLenOffset: 56,
    littleEndian: endianness() === 'LE',
    mmsghdrSize: 64,
    iovecSize: 16,
    cmsghdrSize: 16,
    cmsgAlign: 8,
    sockaddrHasLength: false,
    sockaddrStorageSize: 128,
    ucredSize: 12,
  };
}

function loadLibc(): LibraryHandle {
  // musl names its libc differently; glibc first because it is the common case.
  for (const name of ['libc.so.6', 'libc.musl-x86_64.so.1', 'libc.musl-aarch64.so.1', 'libc.so']) {
    try {
      return koffi.load(name);
    } catch {
      // try the next name
    }
  }
  throw new Error('rxsock: could not load the C library (tried libc.so.6 and musl names)');
}

const AddrInfo = koffi.struct('rxsock_addrinfo', {
  ai_flags: 'int',
  ai_family: 'int',
  ai_socktype: 'int',
  ai_protocol: 'int',
  ai_addrlen: 'uint32_t',
  ai_addr: 'void *',
  ai_canonname: 'char *',
  ai_next: 'void *',
});

const IfNameIndex = koffi.struct('rxsock_if_nameindex', { if_index: 'uint32_t', if_name: 'char *' });

/** Builds the Linux implementation of {@link SysCalls}. */
export function createLinuxSys(): SysCalls {
  if (process.arch !== 'x64' && process.arch !== 'arm64' && process.arch !== 'riscv64' && process.arch !== 'loong64' && process.arch !== 'ppc64') {
    throw new Error(`rxsock: Linux on ${process.arch} (32-bit ABIs) is not supported yet`);
  }
  const libc = loadLibc();
  const f = (proto: string) => libc.func(proto);

  const getaddrinfo = f('int getaddrinfo(const char *node, const char *service, const rxsock_addrinfo *hints, _Out_ void **res)');
  const freeaddrinfo = f('void freeaddrinfo(void *res)');
  const getnameinfo = f('int getnameinfo(const void *sa, uint32_t salen, void *host, uint32_t hostlen, void *serv, uint32_t servlen, int flags)');
  const gaiStrerror = f('const char *gai_strerror(int code)');
  const strerror = f('const char *strerror(int errnum)');
  const ifNameToIndex = f('uint32_t if_nametoindex(const char *name)');
  const ifIndexToName = f('void *if_indextoname(uint32_t index, void *name)');
  const ifNameIndex = f('void *if_nameindex()');
  const ifFreeNameIndex = f('void if_freenameindex(void *ptr)');
  const epollWait = f('int epoll_wait(int epfd, void *events, int maxevents, int timeout)');
  let mallopt: ((param: number, value: number) => number) | undefined;
  let mallocTrim: ((pad: number) => number) | undefined;
  try {
    mallopt = f('int mallopt(int param, int value)');
    mallocTrim = f('int malloc_trim(size_t pad)');
  } catch {
    // musl has neither: nothing to tune
  }

  return {
    platform: 'linux',
    abi: linuxAbi(process.arch),
    errno: () => koffi.errno(),
    strerror: (e) => strerror(e) ?? `errno ${e}`,

    socket: f('int socket(int domain, int type, int protocol)'),
    socketpair: f('int socketpair(int domain, int type, int protocol, void *sv)'),
    bind: f('int bind(int fd, const void *addr, uint32_t len)'),
    listen: f('int listen(int fd, int backlog)'),
    accept4: f('int accept4(int fd, void *addr, void *len, int flags)'),
    connect: f('int connect(int fd, const void *addr, uint32_t len)'),
    send: f('intptr_t send(int fd, const void *buf, size_t len, int flags)'),
    recv: f('intptr_t recv(int fd, void *buf, size_t len, int flags)'),
    sendto: f('intptr_t sendto(int fd, const void *buf, size_t len, int flags, const void *addr, uint32_t alen)'),
    recvfrom: f('intptr_t recvfrom(int fd, void *buf, size_t len, int flags, void *addr, void *alen)'),
    sendmsg: f('intptr_t sendmsg(int fd, const void *msg, int flags)'),
    recvmsg: f('intptr_t recvmsg(int fd, void *msg, int flags)'),
    sendmmsg: f('int sendmmsg(int fd, void *vec, uint32_t vlen, int flags)'),
    recvmmsg: ((fn) => (fd: number, vec: Bytes, vlen: number, flags: number) => fn(fd, vec, vlen, flags, null))(
      f('int recvmmsg(int fd, void *vec, uint32_t vlen, int flags, void *timeout)'),
    ),
    readv: f('intptr_t readv(int fd, const void *iov, int iovcnt)'),
    writev: f('intptr_t writev(int fd, const void *iov, int iovcnt)'),
    read: f('intptr_t read(int fd, void *buf, size_t len)'),
    write: f('intptr_t write(int fd, const void *buf, size_t len)'),
    shutdown: f('int shutdown(int fd, int how)'),
    close: f('int close(int fd)'),
    dup: f('int dup(int fd)'),
    fcntl: f('int fcntl(int fd, int cmd, int arg)'),
    setsockopt: f('int setsockopt(int fd, int level, int name, const void *value, uint32_t len)'),
    getsockopt: f('int getsockopt(int fd, int level, int name, void *value, void *len)'),
    getsockname: f('int getsockname(int fd, void *addr, void *len)'),
    getpeername: f('int getpeername(int fd, void *addr, void *len)'),
    ioctl: f('int ioctl(int fd, unsigned long request, void *arg)'),
    pipe2: f('int pipe2(void *fds, int flags)'),

    ifNameToIndex: (name) => ifNameToIndex(name),
    ifIndexToName: (index) => {
      const buf = Buffer.alloc(16); // IF_NAMESIZE
      if (ifIndexToName(index, buf) === null) return null;
      const end = buf.indexOf(0);
      return buf.toString('utf8', 0, end < 0 ? buf.length : end);
    },
    ifNameIndex: () => {
      const head = ifNameIndex();
      if (head === null) throw Object.assign(new Error('if_nameindex failed'), { errno: koffi.errno() });
      const out: Array<[number, string]> = [];
      try {
        for (let i = 0; ; i++) {
          const entry = koffi.decode(head, i * koffi.sizeof(IfNameIndex), IfNameIndex) as { if_index: number; if_name: string | null };
          if (entry.if_index === 0 && entry.if_name === null) break;
          out.push([entry.if_index, entry.if_name ?? '']);
        }
      } finally {
        ifFreeNameIndex(head);
      }
      return out;
    },
    gethostname: f('int gethostname(void *name, size_t len)'),

    getaddrinfoAsync: (host, service, hints: AddrinfoHints) =>
      new Promise<AddrinfoResult>((resolve, reject) => {
        const out: [bigint | null] = [null];
        const h = {
          ai_flags: hints.flags,
          ai_family: hints.family,
          ai_socktype: hints.socktype,
          ai_protocol: hints.protocol,
          ai_addrlen: 0,
          ai_addr: null,
          ai_canonname: null,
          ai_next: null,
        };
        getaddrinfo.async(host, service, h, out, (err: unknown, status: number) => {
          if (err) return reject(err);
          const errno = koffi.errno();
          const entries: AddrinfoEntry[] = [];
          let p = out[0];
          try {
            while (status === 0 && p) {
              const ai = koffi.decode(p, AddrInfo) as {
                ai_family: number; ai_socktype: number; ai_protocol: number; ai_addrlen: number;
                ai_addr: bigint | null; ai_canonname: string | null; ai_next: bigint | null;
              };
              const addr = ai.ai_addr ? new Uint8Array(koffi.view(ai.ai_addr, ai.ai_addrlen).slice(0)) : new Uint8Array(0);
              entries.push({ family: ai.ai_family, socktype: ai.ai_socktype, protocol: ai.ai_protocol, canonname: ai.ai_canonname, addr });
              p = ai.ai_next;
            }
          } finally {
            if (out[0]) freeaddrinfo(out[0]);
          }
          resolve({ status, errno, entries });
        });
      }),
    getnameinfoAsync: (addr, addrLen, flags) =>
      new Promise((resolve, reject) => {
        const host = Buffer.alloc(1025); // NI_MAXHOST
        const serv = Buffer.alloc(32); // NI_MAXSERV
        getnameinfo.async(addr, addrLen, host, host.length, serv, serv.length, flags, (err: unknown, status: number) => {
          if (err) return reject(err);
          const cstr = (b: Buffer) => b.toString('utf8', 0, Math.max(0, b.indexOf(0)));
          resolve({ status, host: cstr(host), service: cstr(serv) });
        });
      }),
    gaiStrerror: (code) => gaiStrerror(code) ?? `getaddrinfo error ${code}`,

    epollCreate1: f('int epoll_create1(int flags)'),
    epollCtl: f('int epoll_ctl(int epfd, int op, int fd, void *event)'),
    epollWait,
    epollWaitAsync: (epfd, events, maxEvents, timeoutMs) =>
      new Promise<number>((resolve, reject) => {
        epollWait.async(epfd, events, maxEvents, timeoutMs, (err: unknown, n: number) => (err ? reject(err) : resolve(n)));
      }),
    eventfd: f('int eventfd(uint32_t initval, int flags)'),
    // glibc has no wrappers; syscall() moves its integer arguments into the kernel's registers,
    // so a fixed prototype per call is exact on the 64-bit ABIs (and spares koffi the parsing
    // of a variadic one). io_uring's numbers are the same on every architecture.
    ioUringSetup: ((fn) => (entries: number, params: Bytes) => Number(fn(425, entries, params)))(f('long syscall(long nr, uint32_t entries, void *params)')),
    ioUringEnter: ((fn) => (fd: number, toSubmit: number, minComplete: number, flags: number) => fn(426, fd, toSubmit, minComplete, flags, null, 0) as number)(
      f('int syscall(long nr, int fd, uint32_t toSubmit, uint32_t minComplete, uint32_t flags, void *arg, size_t argsz)'),
    ),
    ioUringRegister: ((fn) => (fd: number, opcode: number, arg: Bytes, count: number) => fn(427, fd, opcode, arg, count) as number)(
      f('int syscall(long nr, int fd, uint32_t opcode, void *arg, uint32_t count)'),
    ),

    addressOf: (buf) => koffi.address(buf) as bigint,
    mmap: ((fn) => (addr: bigint | null, length: number, prot: number, flags: number, fd: number, offset: number) => {
      const p = fn(addr, length, prot, flags, fd, offset) as bigint | null;
      // MAP_FAILED is (void *)-1: koffi hands it back as an address, never as null.
      return p === null || p === 0xffffffffffffffffn ? -1n : p;
    })(f('void *mmap(void *addr, size_t length, int prot, int flags, int fd, intptr_t offset)')),
    munmap: f('int munmap(void *addr, size_t length)'),
    memoryView: (addr, length) => koffi.view(addr, length) as ArrayBuffer,
    loadLibrary: (names) => {
      for (const name of names) {
        let lib: LibraryHandle;
        try {
          lib = koffi.load(name);
        } catch {
          continue; // not installed under this name: try the next
        }
        return {
          name,
          func: (prototype: string) => lib.func(prototype) as (...args: never[]) => unknown,
          readCString: (ptr: unknown) => (ptr === null ? null : (koffi.decode(ptr, 'char', -1) as string)),
        };
      }
      return null;
    },
    setMallocTrimThreshold: (bytes) => mallopt !== undefined && mallopt(-1 /* M_TRIM_THRESHOLD */, bytes) === 1,
    releaseFreeHeap: () => mallocTrim !== undefined && (mallocTrim(0), true),
  };
}

const uvPollCallback = koffi.proto('void rxsock_uv_poll_cb(void *handle, int status, int events)');
const uvCloseCallback = koffi.proto('void rxsock_uv_close_cb(void *handle)');

/** libuv as exported by the running node binary (`koffi.load(null)`). */
export function createLinuxUv(): UvCalls {
  let self: LibraryHandle;
  try {
    self = koffi.load(null);
    self.func('void *uv_default_loop()');
  } catch {
    return unavailableUv();
  }
  const f = (proto: string) => self.func(proto);
  const defaultLoop = f('void *uv_default_loop()');
  const handleSize = f('size_t uv_handle_size(int type)');
  const errName = f('const char *uv_err_name(int err)');
  return {
    available: true,
    defaultLoop: () => defaultLoop() as bigint,
    pollSize: () => Number(handleSize(8 /* UV_POLL */)),
    pollInit: f('int uv_poll_init(void *loop, void *handle, int fd)'),
    pollStart: f('int uv_poll_start(void *handle, int events, void *cb)'),
    pollStop: f('int uv_poll_stop(void *handle)'),
    close: f('void uv_close(void *handle, void *cb)'),
    ref: f('void uv_ref(void *handle)'),
    unref: f('void uv_unref(void *handle)'),
    registerPollCallback: (fn) => koffi.register(fn, koffi.pointer(uvPollCallback)),
    registerCloseCallback: (fn) => koffi.register(fn, koffi.pointer(uvCloseCallback)),
    unregister: (cb) => koffi.unregister(cb),
    errName: (code) => errName(code) ?? `UV_${code}`,
  };
}

function unavailableUv(): UvCalls {
  const no = (): never => {
    throw new Error('rxsock: the running node binary does not export libuv symbols');
  };
  return {
    available: false,
    defaultLoop: no, pollSize: no, pollInit: no, pollStart: no, pollStop: no, close: no,
    ref: no, unref: no, registerPollCallback: no, registerCloseCallback: no, unregister: no, errName: no,
  };
}
