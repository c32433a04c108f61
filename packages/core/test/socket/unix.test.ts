import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync, openSync, closeSync, existsSync } from 'node:fs';
import { tempSocketPath } from '@rxsock/testing';
import { C, Socket, CMSG_SPACE, scmRights, decodeRights } from '../../src/index.js';

const abstract = (tag: string) => `\0rxsock-${tag}-${process.pid}-${Math.random().toString(36).slice(2)}`;

async function connectedPair(type: number, path: string): Promise<[Socket, Socket, Socket]> {
  const listener = Socket.create(C.AF_UNIX, type);
  listener.bind(path);
  listener.listen();
  const client = Socket.create(C.AF_UNIX, type);
  const [[server]] = await Promise.all([listener.accept(), client.connect(path)]);
  return [listener, client, server];
}

describe('UNIX domain sockets', () => {
  for (const [kind, type] of [
    ['stream', C.SOCK_STREAM],
    ['seqpacket', C.SOCK_SEQPACKET],
  ] as const) {
    for (const [naming, make] of [
      ['path', () => tempSocketPath('s')],
      ['abstract', () => abstract(kind)],
    ] as const) {
      it(`${kind} over a ${naming} name`, async () => {
        const path = make();
        const [listener, client, server] = await connectedPair(type, path);
        expect(listener.getsockname()).toEqual({ family: 'unix', path });
        if (naming === 'path') expect(existsSync(path)).toBe(true);
        await client.sendAll(Buffer.from('one'));
        await client.sendAll(Buffer.from('two'));
        if (kind === 'seqpacket') {
          // message boundaries are kept
          expect((await server.recv(100)).toString()).toBe('one');
          expect((await server.recv(100)).toString()).toBe('two');
        } else {
          let got = '';
          while (got.length < 6) got += (await server.recv(100)).toString();
          expect(got).toBe('onetwo');
        }
        for (const s of [listener, client, server]) s.close();
      });
    }
  }

  it('datagram over path names, with the sender address reported', async () => {
    const a = Socket.create(C.AF_UNIX, C.SOCK_DGRAM);
    const b = Socket.create(C.AF_UNIX, C.SOCK_DGRAM);
    const pa = tempSocketPath('a');
    const pb = tempSocketPath('b');
    a.bind(pa);
    b.bind(pb);
    await a.sendTo(Buffer.from('ping'), pb);
    const [data, from] = await b.recvFrom(100);
    expect(data.toString()).toBe('ping');
    expect(from).toEqual({ family: 'unix', path: pa });
    a.close();
    b.close();
  });

  it('socketpair carries data both ways, and SO_PEERCRED names this process', async () => {
    const [a, b] = Socket.pair(C.AF_UNIX, C.SOCK_STREAM);
    await a.sendAll(Buffer.from('x'));
    expect((await b.recv(1)).toString()).toBe('x');
    const cred = a.getOption('SO_PEERCRED');
    expect(cred).toEqual({ pid: process.pid, uid: process.getuid!(), gid: process.getgid!() });
    a.close();
    b.close();
  });

  it('SCM_RIGHTS passes a real file descriptor that the receiver then uses', async () => {
    const [a, b] = Socket.pair(C.AF_UNIX, C.SOCK_STREAM);
    const file = tempSocketPath('passed.txt');
    writeFileSync(file, 'content of the passed file');
    const fd = openSync(file, 'r');
    await a.sendMsg([Buffer.from('fd')], [scmRights([fd])]);
    closeSync(fd); // the receiver's copy must stay valid
    const msg = await b.recvMsg(16, CMSG_SPACE(4));
    expect(msg.data.toString()).toBe('fd');
    expect(msg.ancillary).toHaveLength(1);
    const [received] = decodeRights(msg.ancillary[0]!.data);
    expect(typeof received).toBe('number');
    expect(readFileSync(received!, 'utf8')).toBe('content of the passed file');
    closeSync(received!);
    a.close();
    b.close();
  });

  it('SCM_RIGHTS passes a socket, which works as a Socket on the other side', async () => {
    const [a, b] = Socket.pair();
    const [x, y] = Socket.pair(C.AF_UNIX, C.SOCK_DGRAM);
    await a.sendMsg([Buffer.from('s')], [scmRights([x.fileno()])]);
    x.close();
    const msg = await b.recvMsg(1, CMSG_SPACE(4));
    const passed = Socket.fromFd(decodeRights(msg.ancillary[0]!.data)[0]!);
    expect(passed.type).toBe(C.SOCK_DGRAM);
    expect(passed.family).toBe(C.AF_UNIX);
    await passed.send(Buffer.from('through the passed socket'));
    expect((await y.recv(100)).toString()).toBe('through the passed socket');
    for (const s of [a, b, y, passed]) s.close();
  });
});

describe('sendMany with gathered parts and ancillary data', () => {
  it('sends multi-part messages, each with its own SCM_RIGHTS, in one sendmmsg', async () => {
    const [a, b] = Socket.pair(C.AF_UNIX, C.SOCK_DGRAM);
    const file = tempSocketPath('many.txt');
    writeFileSync(file, 'via sendMany');
    const fd = openSync(file, 'r');
    const sent = await a.sendMany([
      { data: [Buffer.from('first '), Buffer.from('message')] },
      { data: Buffer.from('with fd'), ancillary: [scmRights([fd])] },
      { data: [Buffer.alloc(0), Buffer.from('third')] },
    ]);
    closeSync(fd);
    expect(sent).toBe(3);
    expect((await b.recv(64)).toString()).toBe('first message');
    const msg = await b.recvMsg(64, CMSG_SPACE(4));
    expect(msg.data.toString()).toBe('with fd');
    const [passed] = decodeRights(msg.ancillary[0]!.data);
    expect(readFileSync(passed!, 'utf8')).toBe('via sendMany');
    closeSync(passed!);
    expect((await b.recv(64)).toString()).toBe('third');
    a.close();
    b.close();
  });
});
