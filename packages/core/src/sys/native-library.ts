/**
 * Optional system libraries (libpcap for filter compilation, ...), loaded through the same FFI
 * as the socket calls. A library that is not installed is a typed error that names the
 * distribution package to install, not a dlopen message.
 */
import { SocketError } from '../errors.js';
import { sys, type NativeLibrary } from './index.js';

/** Where a missing library comes from, for the error message. */
export interface LibrarySource {
  /** What rxsock needs it for (`'compiling tcpdump filter expressions'`). */
  purpose: string;
  /** The Debian/Ubuntu package that ships it (`'libpcap0.8'`). */
  debianPackage: string;
}

const loaded = new Map<string, NativeLibrary>();

/**
 * Loads the first of `names` that the dynamic loader finds (cached per first name).
 * @throws {@link SocketError} `ERR_RXSOCK_LIBRARY_MISSING` when none loads, naming the package.
 */
export function loadNativeLibrary(names: readonly string[], source: LibrarySource): NativeLibrary {
  const key = names.join('|');
  const cached = loaded.get(key);
  if (cached) return cached;
  const lib = sys().loadLibrary(names);
  if (lib === null) {
    throw new SocketError(
      `${source.purpose} needs ${names[0]}, which is not installed (tried ${names.join(', ')}): apt-get install ${source.debianPackage}`,
      { code: 'ERR_RXSOCK_LIBRARY_MISSING' },
    );
  }
  loaded.set(key, lib);
  return lib;
}

/**
 * The native address of `bytes`' first byte, for pointers stored inside structures handed to
 * native functions (iovec arrays, sock_fprog). `bytes` must stay referenced while it is used.
 */
export function addressOf(bytes: Uint8Array): bigint {
  return sys().addressOf(bytes);
}
