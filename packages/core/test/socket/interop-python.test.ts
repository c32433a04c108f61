// Interop with a peer nobody here wrote: CPython's socket module, on real loopback sockets.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { tempSocketPath } from '@rxsock/testing';
import { C, Socket } from '../../src/index.js';

/** Starts python3 with `code`; resolves with the process and its first stdout line. */
async function python(code: string, ...args: string[]) {
  const proc = spawn('python3', ['-c', code, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: proc.stdout! });
  const iterator = lines[Symbol.asyncIterator]();
  const first = (await iterator.next()).value as string;
  const rest = (async () => {
    const out: string[] = [];
    for await (const l of { [Symbol.asyncIterator]: () => iterator }) out.push(l);
    return out;
  })();
  return { proc, first, rest };
}

const pyEchoServer = `
import socket, sys
family = socket.AF_INET6 if sys.argv[1] == '6' else socket.AF_INET
host = '::1' if sys.argv[1] == '6' else '127.0.0.1'
with socket.socket(family, socket.SOCK_STREAM) as s:
    s.bind((host, 0))
    s.listen(1)
    print(s.getsockname()[1], flush=True)
    conn, addr = s.accept()
    with conn:
        while True:
            data = conn.recv(1024)
            if not data: break
            conn.sendall(data)
`;

const pyEchoClient = `
import socket, sys
family = socket.AF_INET6 if sys.argv[1] == '6' else socket.AF_INET
host = '::1' if sys.argv[1] == '6' else '127.0.0.1'
print('ready', flush=True)
with socket.socket(family, socket.SOCK_STREAM) as s:
    s.connect((host, int(sys.argv[2])))
    for word in ['Hello, world', 'from CPython', 'x' * 5000]:
        s.sendall(word.encode())
        got = b''
        while len(got) < len(word):
            got += s.recv(65536)
        print(got.decode()[:40], len(got), flush=True)
`;

for (const v of ['4', '6'] as const) {
  const af = v === '4' ? C.AF_INET : C.AF_INET6;
  const host = v === '4' ? '127.0.0.1' : '::1';
  describe(`IPv${v} interop with Python's socket module`, () => {
    it('rxsock client against a Python echo server', async () => {
      const py = await python(pyEchoServer, v);
      const port = Number(py.first);
      const s = Socket.create(af, C.SOCK_STREAM);
      await s.connect([host, port]);
      for (const msg of ['Hello, world', 'y'.repeat(100_000)]) {
        await s.sendAll(Buffer.from(msg));
        let got = '';
        while (got.length < msg.length) got += (await s.recv(65536)).toString();
        expect(got).toBe(msg);
      }
      s.close();
      const [code] = await once(py.proc, 'exit');
      expect(code).toBe(0);
    });

    it('Python client against an rxsock echo server', async () => {
      const listener = Socket.create(af, C.SOCK_STREAM);
      listener.bind([host, 0]);
      listener.listen(1);
      const port = (listener.getsockname() as { port: number }).port;
      const py = await python(pyEchoClient, v, String(port));
      expect(py.first).toBe('ready');
      const [conn] = await listener.accept();
      for (;;) {
        const data = await conn.recv(65536);
        if (data.length === 0) break;
        await conn.sendAll(data);
      }
      conn.close();
      listener.close();
      const lines = await py.rest;
      expect(lines).toEqual(['Hello, world 12', 'from CPython 12', `${'x'.repeat(40)} 5000`]);
    });
  });
}

describe('UDP and UNIX interop with Python', () => {
  it('UDP datagrams both ways', async () => {
    const py = await python(`
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.1', 0))
print(s.getsockname()[1], flush=True)
data, addr = s.recvfrom(2048)
s.sendto(data.upper(), addr)
`);
    const s = Socket.create(C.AF_INET, C.SOCK_DGRAM);
    await s.sendTo(Buffer.from('datagram from rxsock'), ['127.0.0.1', Number(py.first)]);
    const [data, from] = await s.recvFrom(2048);
    expect(data.toString()).toBe('DATAGRAM FROM RXSOCK');
    expect(from).toMatchObject({ host: '127.0.0.1', port: Number(py.first) });
    s.close();
  });

  it('SCM_RIGHTS: Python receives an fd rxsock passed, and reads from it', async () => {
    const { writeFileSync, openSync, closeSync } = await import('node:fs');
    const { dirname, join } = await import('node:path');
    const { scmRights } = await import('../../src/index.js');
    const path = tempSocketPath();
    const file = join(dirname(path), 'file.txt');
    writeFileSync(file, 'passed to python');
    const listener = Socket.create(C.AF_UNIX, C.SOCK_STREAM);
    listener.bind(path);
    listener.listen(1);
    const py = await python(`
import socket, os, sys, array
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
print('ready', flush=True)
s.connect(sys.argv[1])
msg, anc, flags, addr = s.recvmsg(16, socket.CMSG_SPACE(4))
fds = array.array('i'); fds.frombytes(anc[0][2])
print(msg.decode(), os.read(fds[0], 100).decode(), flush=True)
`, path);
    const [conn] = await listener.accept();
    const fd = openSync(file, 'r');
    await conn.sendMsg([Buffer.from('hi')], [scmRights([fd])]);
    closeSync(fd);
    expect(await py.rest).toEqual(['hi passed to python']);
    conn.close();
    listener.close();
  });
});
