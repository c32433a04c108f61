/**
 * The packages are loaded through one bundled module each (scripts/bundle.mjs): fewer ESM
 * modules cost less memory. Checked in fresh Node processes, which resolve the packages the way
 * an application does (not through vitest's "source" condition).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without types
import { bundle, isStale } from '../scripts/bundle.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// can and raw are not bundled: their command-line tools import the package's own modules, and
// one process loading those beside a bundle would hold two copies of the package.
const PACKAGES = ['core', 'inet'];

/** Runs `body` as an ES module in a fresh process at the repo root; returns its last line as JSON. */
function run(body: string, nodeArgs: string[] = []): unknown {
  const r = spawnSync(process.execPath, [...nodeArgs, '--input-type=module', '-e', body], { cwd: root, encoding: 'utf8', timeout: 20_000 });
  if (r.status !== 0) throw new Error(`child failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}

let scratch: string | undefined;
afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('each package is one bundled module', () => {
  it.each(PACKAGES)('@rxsock/%s resolves to its bundle, which exports what its tsc output does', (name) => {
    const keys = (specifier: string) => `Object.keys(await import(${JSON.stringify(specifier)})).sort()`;
    const viaName = run(`console.log(JSON.stringify({ url: import.meta.resolve('@rxsock/${name}'), keys: ${keys(`@rxsock/${name}`)} }))`) as { url: string; keys: string[] };
    // A separate process: the tsc modules and the bundle in one process would be two copies.
    const viaDist = run(`console.log(JSON.stringify(${keys(`./packages/${name}/dist/index.js`)}))`) as string[];
    expect(viaName.url).toMatch(new RegExp(`/packages/${name}/dist/index\\.bundle\\.js$`));
    expect(viaName.keys.length).toBeGreaterThan(10);
    expect(viaName.keys).toEqual(viaDist);
  });

  it('importing core and inet loads two rxsock modules, and inet shares core (one SocketError class)', () => {
    // A loader hook (in its own thread) posts every rxsock module file the process loads.
    const out = run(
      `
      import { register } from 'node:module';
      const seen = [];
      const { port1, port2 } = new MessageChannel();
      port1.on('message', (url) => seen.push(url));
      port1.unref();
      register('data:text/javascript,' + encodeURIComponent(\`
        let port;
        export function initialize(data) { port = data.port; }
        export async function load(url, context, next) {
          if (url.includes('/packages/')) port.postMessage(url);
          return next(url, context);
        }\`), { data: { port: port2 }, transferList: [port2] });
      const core = await import('@rxsock/core');
      const { tcpServer } = await import('@rxsock/inet');
      let shared = false;
      try { tcpServer({ host: '127.0.0.1', port: -1 }); } catch (e) { shared = e instanceof core.SocketError && e.code === 'EINVAL'; }
      await new Promise((r) => setTimeout(r, 50));
      console.log(JSON.stringify({ modules: seen.map((u) => u.slice(u.indexOf('/packages/') + 1)).sort(), shared }));
    `,
    );
    expect(out).toEqual({ modules: ['packages/core/dist/index.bundle.js', 'packages/inet/dist/index.bundle.js'], shared: true });
  });

  it('loading core and inet and serving TCP does not load web streams; toWebStreams does', () => {
    // Node's own module list: what a process has loaded of Node's built-in modules. (node:tls is
    // imported at load on purpose: loaded on first use instead, it left a server holding 10,000
    // idle connections 1-2.7 MiB bigger at the end, bench/tcp-idle-connections.)
    const out = run(`
      const loaded = () => process.moduleLoadList.filter((m) => /^NativeModule internal\\/webstreams\\/readablestream$/.test(m)).length;
      const { Socket, toWebStreams } = await import('@rxsock/core');
      const { tcpServer, connect } = await import('@rxsock/inet');
      const server = tcpServer({ host: '127.0.0.1', port: 0 });
      const [client, accepted] = await Promise.all([connect('127.0.0.1', server.port), server.accept()]);
      const afterTcp = loaded();
      const [a, b] = Socket.pair();
      toWebStreams(a);
      const afterWeb = loaded();
      for (const s of [client, accepted, b]) s.close();
      server.close();
      console.log(JSON.stringify({ afterTcp, afterWeb }));
    `);
    expect(out).toEqual({ afterTcp: 0, afterWeb: 1 });
  });

  it.each(PACKAGES)("@rxsock/%s's bundle is ASCII only (V8 keeps it one byte per character)", (name) => {
    const text = readFileSync(join(root, `packages/${name}/dist/index.bundle.js`), 'utf8');
    expect(text.length).toBeGreaterThan(10_000);
    expect(text.match(/[^\x00-\x7f]/g) ?? []).toEqual([]);
  });
});

describe('scripts/bundle.mjs', () => {
  it('bundles a package into one file, keeps bare imports, escapes comments, and notices a stale bundle', async () => {
    scratch ??= mkdtempSync(join(tmpdir(), 'rxsock-bundle-'));
    const pkg = join(scratch, 'pkg');
    mkdirSync(join(pkg, 'dist'), { recursive: true });
    writeFileSync(join(pkg, 'dist/index.js'), "export { twice } from './twice.js';\nexport { SocketError } from '@rxsock/core';\n");
    // esbuild keeps comments inside a class body as written: here one with a non-ASCII character.
    writeFileSync(join(pkg, 'dist/twice.js'), 'export class Twice {\n  /** n × 2 */\n  of(n) { return 2 * n; }\n}\nexport const twice = (n) => new Twice().of(n);\n');
    expect(isStale(pkg)).toBe(true); // no bundle yet
    await bundle(pkg);
    const text = readFileSync(join(pkg, 'dist/index.bundle.js'), 'utf8');
    expect(text).toContain('of(n) {');
    expect(text).toContain('from "@rxsock/core"');
    expect(text).toContain('n \\u00d7 2');
    expect(text).not.toMatch(/import .* from "\.\/twice\.js"/);
    expect(isStale(pkg)).toBe(false);
    const later = new Date(Date.now() + 5_000);
    utimesSync(join(pkg, 'dist/twice.js'), later, later);
    expect(isStale(pkg)).toBe(true);
  });
});
