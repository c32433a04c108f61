import { describe, expect, it } from 'vitest';
import { hostname, networkInterfaces } from 'node:os';
import { execFileSync } from 'node:child_process';
import { C, getaddrinfo, getnameinfo, gethostname, ifIndexToName, ifNameIndex, ifNameToIndex, SocketError } from '../../src/index.js';

describe('module functions', () => {
  it('gethostname agrees with os.hostname()', () => {
    expect(gethostname()).toBe(hostname());
  });

  it('getaddrinfo resolves numeric and local names off the main thread', async () => {
    const v6 = await getaddrinfo('::1', 80, { type: C.SOCK_STREAM });
    expect(v6).toEqual([{ family: C.AF_INET6, type: C.SOCK_STREAM, protocol: C.IPPROTO_TCP, canonname: '', address: { family: 'inet6', host: '::1', port: 80, flowInfo: 0, scopeId: 0 } }]);
    const local = await getaddrinfo('localhost', 'http', { type: C.SOCK_STREAM, family: C.AF_INET });
    expect(local[0]!.address).toEqual({ family: 'inet', host: '127.0.0.1', port: 80 });
    const passive = await getaddrinfo(null, 0, { family: C.AF_INET, type: C.SOCK_DGRAM, flags: C.AI_PASSIVE });
    expect(passive[0]!.address).toMatchObject({ host: '0.0.0.0' });
  });

  it('the same answers as Python for a list of inputs', async () => {
    const inputs = [['127.0.0.1', '80'], ['::1', '443'], ['localhost', '22']] as const;
    const py = JSON.parse(
      execFileSync('python3', ['-c', `
import socket, json
out = []
for h, p in ${JSON.stringify(inputs)}:
    out.append(sorted([[f, t, pr, list(sa[:2])] for f, t, pr, c, sa in socket.getaddrinfo(h, p, type=socket.SOCK_STREAM)]))
print(json.dumps(out))`], { encoding: 'utf8' }),
    );
    for (let i = 0; i < inputs.length; i++) {
      const ours = (await getaddrinfo(inputs[i]![0], inputs[i]![1], { type: C.SOCK_STREAM }))
        .map((a) => [a.family, a.type, a.protocol, [(a.address as { host: string }).host, (a.address as { port: number }).port]])
        .sort();
      expect(ours).toEqual(py[i]);
    }
  });

  it('an unknown name is a typed EAI_NONAME', async () => {
    const e = await getaddrinfo('no-such-host.invalid', 80).catch((x) => x);
    expect(e).toBeInstanceOf(SocketError);
    expect(['EAI_NONAME', 'EAI_AGAIN', 'EAI_FAIL']).toContain(e.code);
    expect(e.syscall).toBe('getaddrinfo');
  });

  it('getnameinfo turns an address into numeric host and service', async () => {
    expect(await getnameinfo({ family: 'inet', host: '127.0.0.1', port: 80 }, C.NI_NUMERICHOST | C.NI_NUMERICSERV)).toEqual({ host: '127.0.0.1', service: '80' });
  });

  it('interfaces: lo has index 1 and agrees with os.networkInterfaces()', () => {
    const list = ifNameIndex();
    expect(list).toContainEqual([1, 'lo']);
    for (const name of Object.keys(networkInterfaces())) expect(list.map(([, n]) => n)).toContain(name);
    expect(ifNameToIndex('lo')).toBe(1);
    expect(ifIndexToName(1)).toBe('lo');
    expect(() => ifNameToIndex('nosuchif0')).toThrow(expect.objectContaining({ code: 'ENODEV' }));
    expect(() => ifIndexToName(999999)).toThrow(SocketError);
  });
});
