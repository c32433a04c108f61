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
 * Loaded with `require`: rxjs's `node` export is its CommonJS build either way, so these are the
 * same module instances an application's own `import ... from 'rxjs'` gets.
 */
import { createRequire } from 'node:module';
import type * as Rx from 'rxjs';
import { SocketError } from '../errors.js';

/**
 * What rxsock uses of rxjs, by the module (under `rxjs/internal/`) that defines it. Requiring
 * these instead of rxjs's index loads 51 of its 223 modules: 0.8 MiB less V8 heap and 4.4 MiB
 * less RSS. The heap matters beyond its size: in a process holding rxsock's modules, the whole of
 * rxjs was enough to keep V8 collecting the old generation during a 1 GiB node:tls transfer
 * (7-8 mark-compacts, against 2 with these parts and 0 without rxjs; bench/tls-throughput).
 * They are the very modules rxjs's index re-exports, so applications share the same instances.
 */
const PARTS: Record<keyof RxParts, string> = {
  Observable: 'Observable',
  Subject: 'Subject',
  BehaviorSubject: 'BehaviorSubject',
  EMPTY: 'observable/empty',
  from: 'observable/from',
  merge: 'observable/merge',
  catchError: 'operators/catchError',
  map: 'operators/map',
  mergeMap: 'operators/mergeMap',
  share: 'operators/share',
  takeUntil: 'operators/takeUntil',
};

/** The part of rxjs rxsock's Observable faces are made of. */
export type RxParts = Pick<typeof Rx, 'Observable' | 'Subject' | 'BehaviorSubject' | 'EMPTY' | 'from' | 'merge' | 'catchError' | 'map' | 'mergeMap' | 'share' | 'takeUntil'>;

const require = createRequire(import.meta.url);
let loaded: RxParts | undefined;

/**
 * @internal rxjs's parts that rxsock uses, required on the first call.
 * @throws {@link SocketError} `ERR_RXSOCK_RXJS_MISSING` when rxjs is not installed.
 */
export function rx(): RxParts {
  return (loaded ??= load());
}

function load(): RxParts {
  const parts: Record<string, unknown> = {};
  try {
    for (const [name, path] of Object.entries(PARTS)) {
      parts[name] = (require(`rxjs/internal/${path}`) as Record<string, unknown>)[name];
      // An rxjs that moved its internals: its index has everything.
      if (parts[name] === undefined) return whole();
    }
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'MODULE_NOT_FOUND' || code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') return whole();
    throw error;
  }
  return parts as RxParts;
}

function whole(): RxParts {
  try {
    return require('rxjs') as typeof Rx;
  } catch (error) {
    if ((error as { code?: string }).code !== 'MODULE_NOT_FOUND') throw error;
    throw new SocketError("rxsock's Observable APIs need rxjs, which is not installed: add it to your application (npm install rxjs)", { code: 'ERR_RXSOCK_RXJS_MISSING' }, { cause: error });
  }
}
