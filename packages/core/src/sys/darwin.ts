import type { SysCalls } from './api.js';
import { notSupported } from '../errors.js';

/**
 * macOS: planned as a kqueue selector and BSD sockaddr layouts (length byte first); see
 * ARCHITECTURE.md. Until then every entry point refuses with ERR_NOT_SUPPORTED.
 */
export function createDarwinSys(): SysCalls {
  throw notSupported('rxsock on macOS');
}
