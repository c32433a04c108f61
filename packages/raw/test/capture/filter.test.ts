import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { firstValueFrom, take, toArray, timeout } from 'rxjs';
import { C, SocketError, Socket } from '@rxsock/core';
import { bpf, BpfProgram, compileFilter, FilterLinkType, PacketSocket, parseDumpText, toProgram } from '@rxsock/raw';
import { createVethLab, type VethLab } from '../support/netns.js';
import { ethernetFrame } from '../support/frames.js';

const tcpdump = (flag: string, expr: string, extra: string[] = []) => execFileSync('tcpdump', [flag, '-i', 'lo', ...extra, expr], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });

describe('tcpdump expressions through libpcap', () => {
  it.each(['udp port 53', 'icmp or arp', 'tcp[tcpflags] & tcp-syn != 0 and host 10.1.2.3'])('%s compiles to what tcpdump -dd prints', (expr) => {
    expect(compileFilter(expr).instructions).toEqual(parseDumpText(tcpdump('-dd', expr)).instructions);
  });

  it('honours the snap length like tcpdump -s', () => {
    expect(compileFilter('udp', { snapLength: 96 }).toString()).toBe(tcpdump('-ddd', 'udp', ['-s', '96']).trim());
  });

  it('a syntax error is a typed error carrying libpcap message', () => {
    expect(() => compileFilter('udp port banana')).toThrow(expect.objectContaining({ code: 'ERR_RXSOCK_FILTER_SYNTAX', syscall: 'pcap_compile', message: expect.stringContaining('banana') }));
  });

  it('SOCK_DGRAM programs start at the IP header (DLT_RAW)', () => {
    const raw = compileFilter('udp', { linkType: FilterLinkType.RAW_IP });
    expect(raw.instructions[0]).not.toEqual(compileFilter('udp').instructions[0]);
  });
});

describe('tcpdump -dd / -ddd text', () => {
  it('-dd and -ddd of one expression give one program', () => {
    expect(parseDumpText(tcpdump('-dd', 'tcp port 80')).bytes).toEqual(parseDumpText(tcpdump('-ddd', 'tcp port 80')).bytes);
  });

  it('toProgram tells dump text from an expression', () => {
    expect(toProgram(tcpdump('-dd', 'arp')).bytes).toEqual(compileFilter('arp').bytes);
    expect(toProgram(tcpdump('-ddd', 'arp')).bytes).toEqual(compileFilter('arp').bytes);
  });

  it('round trips any valid program through its -ddd text (property)', () => {
    const insn = fc.record({ code: fc.integer({ min: 0, max: 0xffff }), jt: fc.constant(0), jf: fc.constant(0), k: fc.integer({ min: 0, max: 0xffffffff }) })
      .filter((i) => (i.code & 7) !== 5);
    fc.assert(
      fc.property(fc.array(insn, { maxLength: 30 }), fc.integer({ min: 0, max: 0xffffffff }), (body, keep) => {
        const program = BpfProgram.from([...body, bpf.ret(keep)]);
        expect(parseDumpText(program.toString()).bytes).toEqual(program.bytes);
      }),
    );
  });

  it('arbitrary text gives EINVAL, never another error (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => {
        try {
          parseDumpText(text);
        } catch (e) {
          expect(e).toBeInstanceOf(SocketError);
          expect((e as SocketError).code).toBe('EINVAL');
        }
      }),
    );
  });

  it('names the bad line, a wrong count, a jump out of the program, a missing ret', () => {
    expect(() => parseDumpText('{ 0x28, 0, 0, 0x0c },\n{ nope }')).toThrow(/line 2/);
    expect(() => parseDumpText('3\n6 0 0 0')).toThrow(/announces 3/);
    expect(() => BpfProgram.from([bpf.jumpIfEqual(1, 5, 0), bpf.ret(0)])).toThrow(/jumps past the end/);
    expect(() => BpfProgram.from([bpf.loadHalf(12)])).toThrow(/end with a ret/);
  });
});

let lab: VethLab;
beforeAll(() => {
  lab = createVethLab('flt');
});
afterAll(() => lab?.destroy());

async function udpFromPeer(ports: number[]): Promise<void> {
  const s = lab.insidePeer(() => Socket.create(C.AF_INET, C.SOCK_DGRAM));
  try {
    for (const port of ports) await s.sendTo(Buffer.from(`to ${port}`), [lab.address, port]);
  } finally {
    s.close();
  }
}
const udpPort = (d: Uint8Array) => (d[36]! << 8) | d[37]!;

describe('filters on a live capture', () => {
  it('an expression filter attached at open lets only its packets in (recvmmsg and ring)', async () => {
    for (const ring of [false, true]) {
      const capture = lab.inside(() => PacketSocket.open({ interface: lab.ifname, filter: 'udp port 7000', ring: ring && { retireTimeoutMs: 1 } }));
      try {
        const source = capture.ring ? capture.ring.packets$ : capture.packets$();
        const got = firstValueFrom(source.pipe(take(3), toArray(), timeout(5000)));
        await udpFromPeer([7001, 7000, 7002, 7000, 7001, 7000]);
        expect((await got).map((p) => udpPort(p.data))).toEqual([7000, 7000, 7000]);
        expect(capture.statistics().received).toBe(3);
      } finally {
        capture.close();
      }
    }
  });

  it('setFilter swaps without letting through a packet only the old filter accepted', async () => {
    const capture = lab.inside(() => PacketSocket.open({ interface: lab.ifname, filter: 'udp port 7000' }));
    try {
      await udpFromPeer([7000, 7000, 7000]); // queued under the old filter, unread
      await new Promise((r) => setTimeout(r, 50));
      capture.setFilter('udp port 7001');
      const got = firstValueFrom(capture.packets$().pipe(take(2), toArray(), timeout(5000)));
      await udpFromPeer([7000, 7001, 7000, 7001]);
      expect((await got).map((p) => udpPort(p.data))).toEqual([7001, 7001]);
    } finally {
      capture.close();
    }
  });

  it('a hand-built program (EtherType 0x88b5 only, first 20 bytes kept) works like a compiled one', async () => {
    const program = BpfProgram.from([bpf.loadHalf(12), bpf.jumpIfEqual(0x88b5, 0, 1), bpf.ret(20), bpf.ret(0)]);
    const capture = lab.inside(() => PacketSocket.open({ interface: lab.ifname, filter: program }));
    const sender = lab.insidePeer(() => PacketSocket.open({ interface: lab.peerIfname }));
    try {
      const got = firstValueFrom(capture.packets$().pipe(take(1), timeout(5000)));
      await udpFromPeer([7000]);
      await sender.send(ethernetFrame(lab.mac, lab.peerMac, 0x88b5, Buffer.alloc(100, 1)));
      const p = await got;
      expect(p.protocol).toBe(0x88b5);
      expect(p.data.length).toBe(20);
      expect(p.length).toBe(114);
    } finally {
      capture.close();
      sender.close();
    }
  });

  it('a bad filter or option at open leaves no socket behind', () => {
    // the namespace's packet sockets, as the kernel lists them (this thread is inside while reading)
    const fds = () => lab.inside(() => readFileSync('/proc/self/net/packet', 'utf8').trim().split('\n').length);
    const before = fds();
    expect(() => lab.inside(() => PacketSocket.open({ interface: lab.ifname, filter: 'port nope' }))).toThrow(expect.objectContaining({ code: 'ERR_RXSOCK_FILTER_SYNTAX' }));
    expect(() => lab.inside(() => PacketSocket.open({ interface: lab.ifname, filter: [bpf.loadHalf(12)] }))).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    // these fail after the socket exists: it must be closed on the way out
    expect(() => lab.inside(() => PacketSocket.open({ interface: lab.ifname, ring: { blockSize: 5000 } }))).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => lab.inside(() => PacketSocket.open({ interface: lab.ifname, multicast: ['not-a-mac'] }))).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(fds()).toBe(before);
  });
});
