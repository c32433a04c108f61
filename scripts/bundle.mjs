// Bundles each library package's built ESM (dist/index.js and every module of the package it
// imports) into one file, dist/index.bundle.js, which the package's "exports" hand to Node.
//
// Why: Node 20's ESM loader costs memory per module, and @rxsock/core plus @rxsock/inet are 121
// modules. A consumer process that imports them (bench/lib/bp-consumer.mjs) measured 59.4 MiB
// RSS after loading with the 121 files and 51.7 MiB with one file per package (V8 heap 15.5 →
// 10.5 MiB, node's own pages 38.8 → 35.2 MiB), and loaded in 50 ms instead of 130.
//
// Only the package's own modules go in: every bare import (@rxsock/core, koffi, rxjs, node:*)
// stays an import, so a process still has one copy of core (one reactor, one class per error)
// whichever packages it loads. tsc's dist/*.js and .d.ts stay as they are: types, tests that
// import a module file directly, and the source maps the bundle's map chains to.
//
// Usage: node scripts/bundle.mjs [--if-stale]   (--if-stale: only where dist changed since)
import { build } from 'esbuild';
import { existsSync, readFileSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const BUNDLE = './dist/index.bundle.js';

/** The packages whose "exports" name the bundle: the ones to build it for. */
export function bundledPackages() {
  const dir = join(root, 'packages');
  return readdirSync(dir)
    .map((name) => join(dir, name))
    .filter((pkg) => {
      const file = join(pkg, 'package.json');
      if (!existsSync(file)) return false;
      const exports = JSON.parse(readFileSync(file, 'utf8')).exports?.['.'];
      return exports?.default === BUNDLE;
    });
}

/** Newest modification time of the .js files under `dir`, bundles excluded. */
function newestJs(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestJs(path));
    else if (entry.name.endsWith('.js') && !entry.name.endsWith('.bundle.js')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** True when `pkg`'s bundle is missing or older than a file of its dist. */
export function isStale(pkg) {
  const out = join(pkg, BUNDLE);
  if (!existsSync(join(pkg, 'dist/index.js'))) return false; // not built: nothing to bundle
  return !existsSync(out) || statSync(out).mtimeMs < newestJs(join(pkg, 'dist'));
}

/** Writes `pkg`'s dist/index.bundle.js (and its source map) from its dist/index.js. */
export async function bundle(pkg) {
  const outfile = join(pkg, BUNDLE);
  const result = await build({
    absWorkingDir: pkg,
    entryPoints: ['dist/index.js'],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    // No keepNames: it wraps every closure a function creates in __name(), an
    // Object.defineProperty per call that takes V8's slow path (6% of the core Socket's
    // ping-pong, about 1 us per round trip). Error classes set their name themselves, and
    // keepClassNames() below keeps every class's name.
    keepNames: false,
    // Chains to tsc's maps, so --enable-source-maps shows the TypeScript sources.
    sourcemap: 'linked',
    sourcesContent: false,
    logLevel: 'warning',
    write: false,
  });
  for (const file of result.outputFiles) {
    let text = file.text;
    if (file.path.endsWith('.js')) text = keepClassNames(pkg, text);
    // esbuild escapes non-ASCII in code but keeps comments as written; one "×" in a comment
    // makes V8 hold the whole source as a two-byte string (650 KB instead of 325 KB for core).
    // Escaped inside comments, the text is unchanged for every reader but a human.
    if (file.path.endsWith('.js')) text = text.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    // Written aside and renamed: a test process importing the package meanwhile (another
    // vitest run in the same checkout) sees the old file or the new one, never half of one.
    writeFileSync(`${file.path}.${process.pid}.tmp`, text);
    renameSync(`${file.path}.${process.pid}.tmp`, file.path);
  }
  return outfile;
}

/**
 * The bundle's text with every class named as written. esbuild writes a class that refers to
 * itself as `var Socket = class _Socket {`, whose name would be `_Socket`: a static block names
 * it back, once, when the class is defined (what keepNames does for classes). Throws when a
 * class was renamed because two modules declare it (a number suffixed): rename one of them.
 */
function keepClassNames(pkg, text) {
  const named = text.replace(/\bvar ([A-Za-z_$][\w$]*) = class _\1\b([^{]*)\{/g, (_, name, heritage) => `var ${name} = class _${name}${heritage}{ static { Object.defineProperty(this, "name", { value: "${name}", configurable: true }); }`);
  const classes = () => /\bclass\s+(?!extends\b)([A-Za-z_$][\w$]*)\s*(?:extends\b|\{)/g;
  const declared = new Set();
  const collect = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) collect(path);
      else if (entry.name.endsWith('.js') && !entry.name.endsWith('.bundle.js')) {
        for (const m of readFileSync(path, 'utf8').matchAll(classes())) declared.add(m[1]);
      }
    }
  };
  collect(join(pkg, 'dist'));
  for (const m of named.matchAll(classes())) {
    if (!declared.has(m[1]) && !(m[1].startsWith('_') && declared.has(m[1].slice(1)))) {
      throw new Error(`${pkg}: the bundle renamed class ${m[1]} (two modules declare it); rename one of them`);
    }
  }
  return named;
}

/** Bundles every package (or only those whose bundle is stale); returns the bundles written. */
export async function bundleAll({ ifStale = false } = {}) {
  const written = [];
  for (const pkg of bundledPackages()) {
    if (ifStale && !isStale(pkg)) continue;
    written.push(await bundle(pkg));
  }
  return written;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const written = await bundleAll({ ifStale: process.argv.includes('--if-stale') });
  if (written.length && !process.argv.includes('--quiet')) console.log(`bundled ${written.map((f) => f.slice(root.length + 1)).join(', ')}`);
}
