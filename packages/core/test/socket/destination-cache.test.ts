import { afterEach, describe, expect, it } from 'vitest';
import { C, Socket, SocketError } from '../../src/index.js';
import { encodeDestination } from '../../src/socket/destination-cache.js';

const open: Socket[] = [];
afterEach(() => {
  for (const s of open.splice(0)) if (!s.closed) s.close();
});

function bound(family: number, host: string): [Socket, number] {
  const s = Socket.create(family, C.SOCK_DGRAM);
  open.push(s);
  s.bind([host, 0]);
  return [s, (s.getsockname() as { port: number }).port];
}

describe('sendTo remembers the last destination it encoded', () => {
  it('reuses the encoding for the same destination and encodes a different one afresh', () => {
    const socket = {};
    const a = encodeDestination(socket, { family: 'inet', host: '127.0.0.1', port: 1000 });
    // A new object with the same fields (as each received datagram's sender is) hits the cache.
    expect(encodeDestination(socket, { family: 'inet', host: '127.0.0.1', port: 1000 })).toBe(a);
    const b = encodeDestination(socket, { family: 'inet', host: '127.0.0.1', port: 1001 });
    expect(b).not.toBe(a);
    expect(b.text).toBe('127.0.0.1:1001');
    // IPv6 flow info and scope id are part of the destination.
    const c = encodeDestination(socket, { family: 'inet6', host: '::1', port: 1000, flowInfo: 0, scopeId: 0 });
    expect(encodeDestination(socket, { family: 'inet6', host: '::1', port: 1000, flowInfo: 0, scopeId: 0 })).toBe(c);
    expect(encodeDestination(socket, { family: 'inet6', host: '::1', port: 1000, flowInfo: 0, scopeId: 1 })).not.toBe(c);
    // Another socket has its own entry.
    expect(encodeDestination({}, { family: 'inet', host: '127.0.0.1', port: 1001 })).not.toBe(b);
  });

  it('every datagram reaches the destination it was sent to when destinations alternate and repeat', async () => {
    const [a, portA] = bound(C.AF_INET, '127.0.0.1');
    const [b, portB] = bound(C.AF_INET, '127.0.0.1');
    const [tx] = bound(C.AF_INET, '127.0.0.1');
    const plan: Array<[string, number]> = [['a1', portA], ['a2', portA], ['b1', portB], ['a3', portA], ['b2', portB], ['b3', portB]];
    for (const [text, port] of plan) await tx.sendTo(Buffer.from(text), { family: 'inet', host: '127.0.0.1', port });
    const read = async (s: Socket, n: number): Promise<string[]> => {
      const out: string[] = [];
      for (let i = 0; i < n; i++) out.push((await s.recv(64)).toString());
      return out;
    };
    expect(await read(a, 3)).toEqual(['a1', 'a2', 'a3']);
    expect(await read(b, 3)).toEqual(['b1', 'b2', 'b3']);
  });

  it('a bad destination after a good one is still a typed error', async () => {
    const [tx] = bound(C.AF_INET, '127.0.0.1');
    const [, port] = bound(C.AF_INET, '127.0.0.1');
    await tx.sendTo(Buffer.from('ok'), { family: 'inet', host: '127.0.0.1', port });
    const error = await tx.sendTo(Buffer.from('x'), { family: 'inet', host: '127.0.0.1', port: 70000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SocketError);
  });
});
