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
 * Loaded with `require`: rxjs's `node` export is its CommonJS build either way, so this is the
 * same module instance an application's own `import ... from 'rxjs'` gets.
 */
import { createRequire } from 'node:module';
import type * as Rx from 'rxjs';

let loaded: typeof Rx | undefined;

/** @internal The rxjs module, required on the first call. */
export function rx(): typeof Rx {
  return (loaded ??= createRequire(import.meta.url)('rxjs') as typeof Rx);
}
