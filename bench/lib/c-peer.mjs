// Builds a C peer from bench/lib/NAME.c with the machine's `cc` at bench time (into a cache dir
// keyed by the source's hash, so an edited source is rebuilt) and returns the executable's path.
// A machine without a C compiler gets a clear error naming the Debian package.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function buildCPeer(name) {
  const source = fileURLToPath(new URL(`./${name}.c`, import.meta.url));
  // The headers next to it (loopback-pair.h...) are in the hash too: an edited header rebuilds.
  const lib = fileURLToPath(new URL('.', import.meta.url));
  const hasher = createHash('sha256').update(readFileSync(source));
  for (const header of readdirSync(lib).filter((f) => f.endsWith('.h')).sort()) hasher.update(readFileSync(join(lib, header)));
  const hash = hasher.digest('hex').slice(0, 16);
  const dir = join(tmpdir(), 'rxsock-bench');
  mkdirSync(dir, { recursive: true });
  const exe = join(dir, `${name}-${hash}`);
  if (existsSync(exe)) return exe;
  const cc = process.env.CC ?? 'cc';
  const r = spawnSync(cc, ['-O2', '-Wall', '-o', exe, source], { encoding: 'utf8' });
  if (r.error || r.status !== 0) {
    throw new Error(`building the C peer ${source} with '${cc}' failed (install Debian's build-essential or gcc, or set CC): ${r.error?.message ?? r.stderr}`);
  }
  return exe;
}
