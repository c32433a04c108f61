import type { SysCalls } from './api.js';
import { notSupported } from '../errors.js';

/**
 * Windows: planned as Winsock through koffi with a per-socket `uv_poll_init_socket` selector or an
 * IOCP port waited on from the thread pool; see ARCHITECTURE.md. Refuses with ERR_NOT_SUPPORTED.
 */
export function createWin32Sys(): SysCalls {
  throw notSupported('rxsock on Windows');
}
