/**
 * Picks this OS's bindings. The only place in rxsock that looks at `process.platform`: everything
 * else goes through {@link SysCalls}, {@link UvCalls} and the constants table.
 */
import type { SysCalls, UvCalls } from './api.js';
import type { SocketConstants } from './constants-linux.js';
import { linuxConstants } from './constants-linux.js';
import { createLinuxSys, createLinuxUv } from './linux.js';
import { createDarwinSys } from './darwin.js';
import { createWin32Sys } from './win32.js';
import { notSupported, setErrnoDescriber } from '../errors.js';

interface Platform {
  sys: () => SysCalls;
  uv: () => UvCalls;
  constants: SocketConstants;
}

/**
 * A platform without its constants table yet: reading any constant refuses, rather than hand
 * out Linux's numbers (AF_INET6 is 30 on macOS, 23 on Windows).
 */
function constantsNotYet(what: string): SocketConstants {
  return new Proxy({} as SocketConstants, {
    get: (_target, name) => {
      throw notSupported(`${what} (constant ${String(name)})`);
    },
  });
}

const platforms: Record<string, Platform | undefined> = {
  linux: { sys: createLinuxSys, uv: createLinuxUv, constants: linuxConstants },
  darwin: { sys: createDarwinSys, uv: createDarwinSys as never, constants: constantsNotYet('rxsock on macOS') },
  win32: { sys: createWin32Sys, uv: createWin32Sys as never, constants: constantsNotYet('rxsock on Windows') },
};

function platform(): Platform {
  const p = platforms[process.platform];
  if (!p) throw new Error(`rxsock: ${process.platform} is not supported`);
  return p;
}

let sysInstance: SysCalls | undefined;
let uvInstance: UvCalls | undefined;

/** This OS's system calls, loaded on first use. */
export function sys(): SysCalls {
  if (!sysInstance) {
    sysInstance = platform().sys();
    const s = sysInstance;
    setErrnoDescriber((e) => s.strerror(e));
  }
  return sysInstance;
}

/** libuv of the running node binary, loaded on first use. */
export function uv(): UvCalls {
  return (uvInstance ??= platform().uv());
}

/** This OS's constants (`C.AF_INET`, `C.SO_REUSEADDR`, ...). */
export const C: SocketConstants = platform().constants;

export type { SysCalls, UvCalls, AbiLayout, AddrinfoEntry, AddrinfoHints, AddrinfoResult, Bytes, NativeLibrary } from './api.js';
export type { SocketConstants, ConstantName } from './constants-linux.js';
