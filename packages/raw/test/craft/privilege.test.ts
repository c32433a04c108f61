/**
 * Privileges, tested for real: raw sockets without CAP_NET_RAW (a child whose capability was
 * dropped with setpriv), and ping sockets with net.ipv4.ping_group_range off and on, inside
 * network namespaces created here (the sysctl is per namespace; the host's is never changed).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNetns, RAW_DIST, requireBuilt, runChild, type Netns } from './support/netns.js';

/** A child that opens each kind of socket and reports the outcome as JSON. */
const OPEN_ALL = `
import { readFileSync } from 'node:fs';
import { rawIpSocket, icmpSocket } from ${JSON.stringify(RAW_DIST)};
const out = { capEff: /CapEff:\\s*(\\w+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1] };
const tries = {
  rawInet: () => rawIpSocket({ family: 'inet' }),
  rawInet6: () => rawIpSocket({ family: 'inet6', protocol: 17 }),
  icmpRaw: () => icmpSocket({ kind: 'raw' }),
  icmp6Raw: () => icmpSocket({ family: 'inet6', kind: 'raw' }),
  icmpDgram: () => icmpSocket({ kind: 'dgram' }),
  icmp6Dgram: () => icmpSocket({ family: 'inet6', kind: 'dgram' }),
  icmpAuto: () => icmpSocket({ kind: 'auto' }),
};
for (const [name, open] of Object.entries(tries)) {
  try {
    const s = open();
    out[name] = { ok: true, kind: s.kind };
    s.close();
  } catch (e) {
    out[name] = { ok: false, name: e.name, code: e.code, errno: e.errno, syscall: e.syscall, capability: e.capability, sysctl: e.sysctl, message: e.message };
  }
}
process.stdout.write(JSON.stringify(out));
`;

const CAP_NET_RAW_BIT = 13n;

type Outcome = { ok: boolean; kind?: string; name?: string; code?: string; errno?: number; syscall?: string; capability?: string; sysctl?: string; message?: string };

describe('privileges', () => {
  let ns: Netns;
  const hostRange = readFileSync('/proc/sys/net/ipv4/ping_group_range', 'utf8');
  beforeAll(() => {
    requireBuilt();
    ns = createNetns();
  });
  afterAll(() => {
    ns?.remove();
    // The host's setting is what it was: everything happened in our namespace.
    expect(readFileSync('/proc/sys/net/ipv4/ping_group_range', 'utf8')).toBe(hostRange);
  });

  it('without CAP_NET_RAW, raw sockets fail with EPERM naming CAP_NET_RAW', () => {
    const { json, stderr } = runChild(OPEN_ALL, { ns, dropNetRaw: true });
    const out = json as Record<string, Outcome> & { capEff: string };
    expect(out, stderr).toBeDefined();
    // The child really lacks the capability.
    expect(BigInt(`0x${out.capEff}`) & (1n << CAP_NET_RAW_BIT)).toBe(0n);
    for (const name of ['rawInet', 'rawInet6', 'icmpRaw', 'icmp6Raw']) {
      expect(out[name], name).toMatchObject({ ok: false, name: 'PrivilegeError', code: 'EPERM', errno: 1, syscall: 'socket', capability: 'CAP_NET_RAW' });
      expect(out[name]?.message).toMatch(/CAP_NET_RAW/);
      expect(out[name]?.message).toMatch(/^socket\(AF_INET6?, SOCK_RAW, /);
    }
  });

  it('ping sockets off (ping_group_range "1 0", the default): EACCES explains the sysctl, even for root', () => {
    expect(ns.exec('cat', '/proc/sys/net/ipv4/ping_group_range').trim().split(/\s+/)).toEqual(['1', '0']);
    const { json, stderr } = runChild(OPEN_ALL, { ns, dropNetRaw: true });
    const out = json as Record<string, Outcome>;
    expect(out, stderr).toBeDefined();
    for (const name of ['icmpDgram', 'icmp6Dgram', 'icmpAuto']) {
      expect(out[name], name).toMatchObject({ ok: false, name: 'PrivilegeError', code: 'EACCES', errno: 13, syscall: 'socket', sysctl: 'net.ipv4.ping_group_range' });
      expect(out[name]?.message).toContain('net.ipv4.ping_group_range (now "1 0"');
      expect(out[name]?.message).toContain('sysctl -w net.ipv4.ping_group_range="0 2147483647"');
      // 'auto' tried the raw socket first; its error says what that would need.
      expect(out[name]?.message).toContain('CAP_NET_RAW');
    }
    // Root with CAP_NET_RAW is refused a ping socket all the same, but 'auto' gets a raw one.
    const root = runChild(OPEN_ALL, { ns }).json as Record<string, Outcome>;
    expect(root.icmpDgram).toMatchObject({ ok: false, code: 'EACCES', sysctl: 'net.ipv4.ping_group_range' });
    expect(root.icmpAuto).toEqual({ ok: true, kind: 'raw' });
    expect(root.icmpRaw).toEqual({ ok: true, kind: 'raw' });
  });

  it('ping sockets on: a process without CAP_NET_RAW pings 127.0.0.1 and ::1 through them', () => {
    ns.exec('sysctl', '-q', '-w', 'net.ipv4.ping_group_range=0 2147483647');
    const script = `
import { lastValueFrom, toArray } from 'rxjs';
import { ping, icmpSocket } from ${JSON.stringify(RAW_DIST)};
const out = {};
const s = icmpSocket({ kind: 'auto' });
out.autoKind = s.kind;
s.close();
for (const host of ['127.0.0.1', '::1']) {
  out[host] = await lastValueFrom(ping(host, { count: 2, intervalMs: 50 }).pipe(toArray()));
}
process.stdout.write(JSON.stringify(out));
`;
    const { json, stderr } = runChild(script, { ns, dropNetRaw: true });
    const out = json as Record<string, Array<Record<string, unknown>>> & { autoKind: string };
    expect(out, stderr).toBeDefined();
    expect(out.autoKind).toBe('dgram');
    for (const host of ['127.0.0.1', '::1']) {
      const events = out[host] as Array<Record<string, unknown>>;
      expect(events[0]).toMatchObject({ type: 'start', address: host, socket: 'dgram' });
      const replies = events.filter((e) => e.type === 'reply');
      expect(replies.map((r) => r.seq)).toEqual([1, 2]);
      for (const r of replies) expect(r).toMatchObject({ from: host, ttl: 64, bytes: 64, duplicate: false });
      expect(events.at(-1)).toMatchObject({ type: 'summary', transmitted: 2, received: 2, lossPercent: 0 });
    }
  });
});
