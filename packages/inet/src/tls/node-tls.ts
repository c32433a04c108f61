/**
 * `node:tls`, required on first use. Imported at module load it cost every process that loads
 * inet about 1 MiB of resident memory (OpenSSL's bindings and node:tls's modules), TLS or not.
 */
import { createRequire } from 'node:module';
import type * as NodeTls from 'node:tls';

const require = createRequire(import.meta.url);
let tls: typeof NodeTls | undefined;

/** @internal The `node:tls` module, loaded on the first call. */
export function nodeTls(): typeof NodeTls {
  return (tls ??= require('node:tls') as typeof NodeTls);
}
