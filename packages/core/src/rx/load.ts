/**
 * rxjs, loaded on first use.
 *
 * Only the Observable faces of rxsock need rxjs; the credit, callback and promise APIs (a
 * `ChunkReader` drained with `consumeChunks`, `accept()`, `recv`) never do. Loading rxjs costs
 * about 8 MB of resident memory and grows V8's young generation, which then collects the
 * buffers of a busy stream less often. So nothing imports rxjs at module load: an Observable is
 * made through {@link rx} when a `...$` property is first read or an Observable function is
 * first called.
 *
 * rxjs is an optional peer dependency: an application that uses only those other APIs need not
 * install it, and one that does shares its own rxjs with rxsock.
 *
 * Loaded with `require`: rxjs's `node` export is its CommonJS build either way, so this is the
 * same module instance an application's own `import ... from 'rxjs'` gets.
 */
import { createRequire } from 'node:module';
import type * as Rx from 'rxjs';
import { SocketError } from '../errors.js';

let loaded: typeof Rx | undefined;

/**
 * @internal The rxjs module, required on the first call.
 * @throws {@link SocketError} `ERR_RXSOCK_RXJS_MISSING` when rxjs is not installed.
 */
export function rx(): typeof Rx {
  if (loaded) return loaded;
  try {
    loaded = createRequire(import.meta.url)('rxjs') as typeof Rx;
  } catch (error) {
    if ((error as { code?: string }).code !== 'MODULE_NOT_FOUND') throw error;
    throw new SocketError("rxsock's Observable APIs need rxjs, which is not installed: add it to your application (npm install rxjs)", { code: 'ERR_RXSOCK_RXJS_MISSING' }, { cause: error });
  }
  return loaded;
}
