import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { C, Socket } from '@rxsock/core';
import { createVethLab, type VethLab } from '../support/netns.js';
import { RXSOCK_RAW, runIn, type Running } from '../support/spawn.js';

let lab: VethLab;
let dir: string;
beforeAll(() => {
  lab = createVethLab('snf');
  dir = mkdtempSync(join(tmpdir(), 'rxsock-sniff-'));
});
afterAll(() => {
  lab?.destroy();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/**
 * Two captures of the same traffic: identical text after the time stamp, and times within 2 ms.
 * Each packet socket stamps its own copy (tcpdump's ring when it copies the packet, ours when
 * the stack received it), so microseconds may differ.
 */
function expectSameCapture(mine: string[], reference: string[]): void {
  const text = (l: string) => l.slice(16);
  const micros = (l: string) => {
    const [h, m, s] = l.slice(0, 15).split(':').map(Number);
    return Math.round(((h! * 60 + m!) * 60 + s!) * 1e6);
  };
  expect(mine.map(text)).toEqual(reference.map(text));
  mine.forEach((l, i) => expect(Math.abs(micros(l) - micros(reference[i]!))).toBeLessThan(2000));
}

/**
 * Waits (up to 10 s) until `a` has printed as many lines as `b`: on a loaded machine a process
 * can be seconds behind, and a SIGINT before it caught up would compare its backlog, not its view.
 */
async function sameLineCount(a: Running, b: Running): Promise<void> {
  const lines = (r: Running) => r.stdout().split('\n').length;
  let last = -1;
  for (let i = 0; i < 100; i++) {
    await wait(100);
    const n = lines(b);
    if (lines(a) === n && n === last) return;
    last = n;
  }
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An ICMP echo request with its checksum. */
function echoRequest(id: number, seq: number, payload: Buffer): Buffer {
  const b = Buffer.alloc(8 + payload.length);
  b[0] = 8;
  b.writeUInt16BE(id, 4);
  b.writeUInt16BE(seq, 6);
  payload.copy(b, 8);
  let sum = 0;
  for (let i = 0; i < b.length; i += 2) sum += (b[i]! << 8) | (b[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  b.writeUInt16BE(~sum & 0xffff, 2);
  return b;
}

/** ARP, UDP (with the ICMP port unreachable it provokes), an ICMP echo pair and a TCP exchange. */
async function traffic(): Promise<void> {
  lab.exec('ip', ['neigh', 'flush', 'all']);
  lab.execPeer('ip', ['neigh', 'flush', 'all']);
  const udp = lab.insidePeer(() => Socket.create(C.AF_INET, C.SOCK_DGRAM));
  await udp.sendTo(Buffer.from('hello'), [lab.address, 9999]);
  udp.close();
  const icmp = lab.insidePeer(() => Socket.create(C.AF_INET, C.SOCK_RAW, C.IPPROTO_ICMP));
  await icmp.sendTo(echoRequest(0x1234, 1, Buffer.alloc(56, 0x61)), [lab.address, 0]);
  await icmp.recv(200);
  icmp.close();
  const server = lab.inside(() => Socket.create(C.AF_INET, C.SOCK_STREAM));
  server.setOption('SO_REUSEADDR', true);
  server.bind([lab.address, 40404]);
  server.listen();
  const client = lab.insidePeer(() => Socket.create(C.AF_INET, C.SOCK_STREAM));
  const accepted = server.accept();
  await client.connect([lab.address, 40404]);
  const [conn] = await accepted;
  await client.sendAll(Buffer.from('GET / HTTP/1.0\r\n\r\n'));
  expect((await conn.recv(100)).toString()).toContain('GET');
  await conn.sendAll(Buffer.from('HTTP/1.0 200 OK\r\n\r\n'));
  await client.recv(100);
  client.close();
  await wait(50);
  conn.close();
  server.close();
  await wait(600);
}

async function both(sniffArgs: string[], tcpdumpArgs: string[]): Promise<[Running, Running]> {
  const ours = runIn(lab.ns, process.execPath, [RXSOCK_RAW, 'sniff', '-i', lab.ifname, ...sniffArgs]);
  const theirs = runIn(lab.ns, 'tcpdump', ['-i', lab.ifname, ...tcpdumpArgs]);
  await Promise.all([ours.waitFor('listening on'), theirs.waitFor('listening on')]);
  await wait(200);
  return [ours, theirs];
}

describe('rxsock-raw sniff against tcpdump in one namespace', () => {
  it('prints the same lines as tcpdump -n for ARP, UDP, ICMP and TCP, and the same counts', async () => {
    const [ours, theirs] = await both(['-n'], ['-n', '-l']);
    await traffic();
    await sameLineCount(ours, theirs);
    expect(await ours.interrupt(), ours.stderr()).toBe(0);
    expect(await theirs.interrupt(), theirs.stderr()).toBe(0);
    const mine = ours.stdout().trim().split('\n');
    const reference = theirs.stdout().trim().split('\n');
    expect(mine.length).toBeGreaterThanOrEqual(14);
    expectSameCapture(mine, reference);
    const counts = (s: string) => s.match(/\d+ packets? captured\n\d+ packets? received by filter\n\d+ packets? dropped by kernel/)?.[0];
    expect(counts(ours.stderr())).toBe(`${mine.length} packets captured\n${mine.length} packets received by filter\n0 packets dropped by kernel`);
    expect(counts(theirs.stderr())).toBe(counts(ours.stderr()));
  });

  it('applies a filter expression and stops after -c packets', async () => {
    const [ours, theirs] = await both(['-c', '2', 'icmp'], ['-n', '-l', '-c', '2', 'icmp']);
    await traffic();
    expect(await ours.exited, ours.stderr()).toBe(0);
    expect(await theirs.exited, theirs.stderr()).toBe(0);
    const mine = ours.stdout().trim().split('\n');
    expect(mine).toHaveLength(2);
    expect(mine[0]).toContain(`IP ${lab.address} > ${lab.peerAddress}: ICMP ${lab.address} udp port 9999 unreachable`);
    expectSameCapture(mine, theirs.stdout().trim().split('\n'));
    expect(ours.stderr()).toContain('2 packets captured');
  });

  it('-w writes pcap and pcapng files that tcpdump and tshark read back as the same packets', async () => {
    const pcap = join(dir, 'out.pcap');
    const pcapng = join(dir, 'out.pcapng');
    const a = runIn(lab.ns, process.execPath, [RXSOCK_RAW, 'sniff', '-i', lab.ifname, '-w', pcap]);
    const b = runIn(lab.ns, process.execPath, [RXSOCK_RAW, 'sniff', '-i', lab.ifname, '-w', pcapng]);
    const live = runIn(lab.ns, 'tcpdump', ['-n', '-l', '-i', lab.ifname]);
    await Promise.all([a.waitFor('listening on'), b.waitFor('listening on'), live.waitFor('listening on')]);
    await wait(200);
    await traffic();
    await sameLineCount(live, live); // tcpdump has printed what it will print
    const read = (file: string) => execFileSync('tcpdump', ['-n', '-r', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n');
    // while it is written the file may end inside a record: tcpdump then fails, try again
    const readSoFar = (file: string) => {
      try {
        return read(file);
      } catch {
        return [];
      }
    };
    for (let i = 0; i < 50 && (readSoFar(pcap).length < live.stdout().trim().split('\n').length); i++) await wait(100);
    await Promise.all([a.interrupt(), b.interrupt(), live.interrupt()]);
    const reference = live.stdout().trim().split('\n');
    expectSameCapture(read(pcap), reference);
    expectSameCapture(read(pcapng), reference);
    const frames = execFileSync('tshark', ['-r', pcapng, '-T', 'fields', '-e', 'frame.len', '-e', 'eth.type', '-e', 'frame.interface_name', '-e', 'frame.packet_flags_direction'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n').map((l) => l.split('\t'));
    expect(frames).toHaveLength(reference.length);
    expect(frames.some((f) => f[1] === '0x0806')).toBe(true);
    // the pcapng interface block names the interface, and each packet says its direction
    for (const f of frames) expect(f[2]).toBe(lab.ifname);
    expect(new Set(frames.map((f) => Number(f[3])))).toEqual(new Set([1, 2]));
  });

  it('rejects bad input with the usage text and a non-zero status, never a stack trace', () => {
    const run = (args: string[]) => {
      try {
        execFileSync(process.execPath, [RXSOCK_RAW, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
        return { status: 0, stderr: '' };
      } catch (e) {
        const err = e as { status: number; stderr: string };
        return { status: err.status, stderr: err.stderr };
      }
    };
    for (const args of [['sniff'], ['sniff', '-i', 'lo', '-c', 'x'], ['sniff', '-i', 'lo', '-Z'], ['nosuch'], []]) {
      const r = run(args);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/Usage: rxsock-raw/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    const noIf = run(['sniff', '-i', 'nosuchif0']);
    expect(noIf.status).toBe(1);
    expect(noIf.stderr).toContain("no interface named 'nosuchif0'");
    const badFilter = run(['sniff', '-i', 'lo', 'port', 'banana']);
    expect(badFilter.status).toBe(1);
    expect(badFilter.stderr).toMatch(/cannot compile filter 'port banana'/);
    expect(badFilter.stderr).not.toMatch(/\n\s+at /);
  });
});
