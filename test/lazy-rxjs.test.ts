/**
 * rxjs is loaded only when an Observable is asked for (packages/core/src/rx/load.ts). Checked in
 * a fresh Node process, where the module cache tells what was loaded.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Preloaded to play an application without rxjs installed: resolving 'rxjs' fails the way a
 * missing package does.
 */
const WITHOUT_RXJS = `
  const Module = require('node:module');
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request, ...rest) {
    if (request === 'rxjs' || request.startsWith('rxjs/')) {
      const error = new Error("Cannot find module '" + request + "'");
      error.code = 'MODULE_NOT_FOUND';
      throw error;
    }
    return resolve.call(this, request, ...rest);
  };
`;

let scratch: string | undefined;
afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

function withoutRxjsFile(): string {
  scratch ??= mkdtempSync(join(tmpdir(), 'rxsock-no-rxjs-'));
  const file = join(scratch, 'without-rxjs.cjs');
  writeFileSync(file, WITHOUT_RXJS);
  return file;
}

/** Runs `body` as an ES module in a fresh process at the repo root; returns what it printed as JSON. */
function run(body: string, options: { withoutRxjs?: boolean } = {}): Record<string, unknown> {
  const code = `
    import { createRequire } from 'node:module';
    const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((k) => /[\\\\/]rxjs[\\\\/]/.test(k));
    ${body}
  `;
  const preload = options.withoutRxjs ? ['--require', withoutRxjsFile()] : [];
  const r = spawnSync(process.execPath, [...preload, '--input-type=module', '-e', code], { cwd: root, encoding: 'utf8', timeout: 20_000 });
  if (r.status !== 0) throw new Error(`child failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
}

describe('rxjs is loaded on first use', () => {
  it('importing @rxsock/core and @rxsock/inet, accept() and consumeChunks do not load it; input$ does', () => {
    const out = run(`
      const { consumeChunks, C, Socket } = await import('@rxsock/core');
      const { tcpServer } = await import('@rxsock/inet');
      const afterImport = loaded();
      const server = tcpServer({ host: '127.0.0.1', port: 0 });
      const client = Socket.create(C.AF_INET, C.SOCK_STREAM);
      const [conn] = await Promise.all([server.accept(), client.connect(['127.0.0.1', server.port])]);
      await client.send(Buffer.from('hello'));
      client.shutdown('write');
      let text = '';
      await consumeChunks(conn.reader, (chunk) => { text += chunk; });
      const afterCredit = loaded();
      conn.input$;
      const afterObservable = loaded();
      conn.close(); client.close(); server.close();
      console.log(JSON.stringify({ afterImport, afterCredit, afterObservable, text }));
    `);
    expect(out).toEqual({ afterImport: false, afterCredit: false, afterObservable: true, text: 'hello' });
  });

  it("the Observable made on demand is the application's rxjs: operators and instanceof work across", () => {
    const out = run(`
      const { Observable, firstValueFrom, map } = await import('rxjs');
      const { readDatagrams, C, Socket } = await import('@rxsock/core');
      const rx = Socket.create(C.AF_INET, C.SOCK_DGRAM);
      rx.bind(['127.0.0.1', 0]);
      const tx = Socket.create(C.AF_INET, C.SOCK_DGRAM);
      const datagrams$ = readDatagrams(rx);
      const first = firstValueFrom(datagrams$.pipe(map((d) => d.data.toString())));
      await tx.sendTo(Buffer.from('hi'), ['127.0.0.1', rx.getsockname().port]);
      const text = await first;
      rx.close(); tx.close();
      console.log(JSON.stringify({ same: datagrams$ instanceof Observable, text }));
    `);
    expect(out).toEqual({ same: true, text: 'hi' });
  });

  it('without rxjs installed the credit API works, and an Observable API says what is missing', () => {
    const out = run(
      `
      const { consumeChunks, C, Socket } = await import('@rxsock/core');
      const { tcpServer } = await import('@rxsock/inet');
      const server = tcpServer({ host: '127.0.0.1', port: 0 });
      const client = Socket.create(C.AF_INET, C.SOCK_STREAM);
      const [conn] = await Promise.all([server.accept(), client.connect(['127.0.0.1', server.port])]);
      await client.send(Buffer.from('still works'));
      client.shutdown('write');
      let text = '';
      await consumeChunks(conn.reader, (chunk) => { text += chunk; });
      let code;
      try { server.connections$; } catch (e) { code = e.code; }
      conn.close(); client.close(); server.close();
      console.log(JSON.stringify({ text, code, loaded: loaded() }));
    `,
      { withoutRxjs: true },
    );
    expect(out).toEqual({ text: 'still works', code: 'ERR_RXSOCK_RXJS_MISSING', loaded: false });
  });
});
