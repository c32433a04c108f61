/**
 * The Python socket docs' examples (examples/python-docs), run two ways: spawned as users run
 * them, on the built packages (vitest.global-setup.ts builds before any test file), and
 * in-process through their exported main(), on the sources.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connect as netConnect } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freePort, run, stop, type Child } from './support/helpers.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const dir = join(root, 'examples/python-docs');

const children: Child[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) await stop(c);
});

/** Spawns an example with `env`; killed after the test if still running. */
function example(file: string, env: Record<string, string> = {}, args: string[] = []): Child {
  const child = run(process.execPath, [join(dir, file), ...args], { cwd: root, env: { ...process.env, ...env } });
  children.push(child);
  return child;
}

/** Waits for the "listening on host:port" line and returns the port. */
async function listeningPort(child: Child): Promise<number> {
  return Number((await child.line(/listening on \S*:(\d+)/))[1]);
}

async function exitCode(child: Child, ms = 10_000): Promise<number | string> {
  const timer = setTimeout(() => child.proc.kill('SIGKILL'), ms);
  const code = await child.exited;
  clearTimeout(timer);
  return code;
}

/**
 * A node:net request/response exchange: send, half-close (unless `halfClose` is false: then the
 * server closes first), read to the end.
 */
function ask(port: number, text: string, host = '127.0.0.1', halfClose = true): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = netConnect({ host, port, allowHalfOpen: true });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`no answer from the example server on port ${port} within 8 s. If its process sits at 100% CPU, look for an accept() that spins on EAGAIN (Socket.accept must clear readReady).`));
    }, 8000);
    sock.on('close', () => clearTimeout(timer));
    let out = '';
    sock.on('data', (d: Buffer) => (out += d.toString()));
    sock.on('end', () => {
      sock.destroy();
      resolve(out);
    });
    sock.on('error', reject);
    if (halfClose) sock.end(text);
    else sock.write(text);
  });
}

type Main = (options?: Record<string, unknown>) => Promise<unknown>;
async function load(file: string): Promise<{ main: Main }> {
  return (await import(pathToFileURL(join(dir, file)).href)) as { main: Main };
}

describe('spawned examples (built packages)', () => {
  it('IPv4 echo server and client', async () => {
    const server = example('echo-server.mjs', { PORT: '0', HOST: '127.0.0.1' });
    const port = await listeningPort(server);
    const client = example('echo-client.mjs', { PORT: String(port) });
    expect(await exitCode(client)).toBe(0);
    expect(client.stdout()).toContain('Received "Hello, world"');
    expect(await exitCode(server)).toBe(0);
    expect(server.stdout()).toMatch(/Connected by 127\.0\.0\.1:\d+/);
  });

  it('the dual-stack pair that tries every getaddrinfo result', async () => {
    const server = example('echo-server-dualstack.mjs', { PORT: '0' });
    const port = await listeningPort(server);
    const client = example('echo-client-dualstack.mjs', { HOST: 'localhost', PORT: String(port) });
    expect(await exitCode(client)).toBe(0);
    expect(client.stdout()).toContain('Received "Hello, world"');
    expect(await exitCode(server)).toBe(0);
    expect(server.stdout()).toMatch(/Connected by/);
  });

  it('the multi-client server (ThreadingTCPServer as one event loop) serves 50 clients at once, then stops on SIGTERM', async () => {
    const server = example('threading-echo-server.mjs', { PORT: '0' });
    const port = await listeningPort(server);
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => ask(port, `hello ${i}`, i % 2 ? '127.0.0.1' : '::1')));
    expect(answers).toEqual(Array.from({ length: 50 }, (_, i) => `HELLO ${i}`));
    server.proc.kill('SIGTERM');
    expect(await exitCode(server)).toBe(0);
  });

  it('the create_connection client (Happy Eyeballs) against that server, and its error when nothing listens', async () => {
    const server = example('threading-echo-server.mjs', { PORT: '0' });
    const port = await listeningPort(server);
    const client = example('create-connection-client.mjs', { HOST: 'localhost', PORT: String(port) });
    expect(await exitCode(client)).toBe(0);
    expect(client.stdout()).toContain('Received "HELLO, WORLD"');
    const closed = freePort();
    const failing = example('create-connection-client.mjs', { HOST: 'localhost', PORT: String(closed) });
    expect(await exitCode(failing)).toBe(1);
    expect(failing.stdout()).toMatch(new RegExp(`could not connect: connect to localhost:${closed} failed: 127\\.0\\.0\\.1:${closed} ECONNREFUSED`));
  });

  it('a server restarted at once thanks to SO_REUSEADDR (and the EADDRINUSE without it)', async () => {
    const port = freePort();
    const first = example('reuseaddr-server.mjs', { PORT: String(port) });
    await listeningPort(first);
    expect(await ask(port, 'first', '127.0.0.1', false)).toBe('served first');
    expect(await exitCode(first)).toBe(0);
    // The first server closed its connection first: its end of the port is in TIME_WAIT now.
    const strict = example('reuseaddr-server.mjs', { PORT: String(port) }, ['--no-reuse']);
    expect(await exitCode(strict)).toBe(1);
    expect(strict.stdout()).toMatch(/OSError: \[Errno 98\] bind EADDRINUSE/);
    const again = example('reuseaddr-server.mjs', { PORT: String(port) });
    expect(await listeningPort(again)).toBe(port);
    expect(await ask(port, 'second', '127.0.0.1', false)).toBe('served second');
    expect(await exitCode(again)).toBe(0);
  });
});

describe('examples in-process (their main functions, on the sources)', () => {
  it('echo server and client', async () => {
    const lines: string[] = [];
    const log = (...a: unknown[]) => lines.push(a.join(' '));
    const { main: server } = await load('echo-server.mjs');
    const { main: client } = await load('echo-client.mjs');
    let resolvePort!: (p: number) => void;
    const port = new Promise<number>((r) => (resolvePort = r));
    const serving = server({
      host: '127.0.0.1',
      port: 0,
      log: (...a: unknown[]) => {
        log(...a);
        const m = String(a[0]).match(/listening on \S+:(\d+)/);
        if (m) resolvePort(Number(m[1]));
      },
    });
    expect(await client({ port: await port, log })).toBe('Hello, world');
    await serving;
    expect(lines.some((l) => /^Connected by 127\.0\.0\.1:\d+$/.test(l))).toBe(true);
  });

  it('threading server and create_connection client', async () => {
    const { main: server } = await load('threading-echo-server.mjs');
    const { main: client } = await load('create-connection-client.mjs');
    const { server: srv, stop: stopServer } = (await server({ port: 0, log: () => {} })) as unknown as {
      server: { port: number };
      stop: () => void;
    };
    try {
      const answers = await Promise.all(['a', 'b', 'c'].map((m) => client({ host: 'localhost', port: srv.port, message: `msg ${m}`, log: () => {} })));
      expect(answers).toEqual(['MSG A', 'MSG B', 'MSG C']);
    } finally {
      stopServer();
    }
  });
});
