// Files written here open in tshark and tcpdump with the fields we wrote; files that tcpdump,
// dumpcap and scapy wrote read back here with the packets those tools report.
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PcapEncoder, PcapngEncoder, readCaptureFile, writeCaptureFile, type CaptureRecordInit, type CaptureSection } from '@rxsock/core';
import { LinkType, createPacketCaptureFile, encodeSll2Header, networkLayer, readPackets, type FilePacket } from '../../src/file/index.js';
import { ethernetUdp, hex, ipv4Udp, text } from './frames.js';
import { python, run, startCapture } from './peers.js';

const dir = mkdtempSync(join(tmpdir(), 'rxsock-raw-files-'));
afterAll(() => {
  if (!process.env.RXSOCK_KEEP_FILES) rmSync(dir, { recursive: true, force: true });
});

const T0 = 1_700_000_000_000_000_000n; // 2023-11-14T22:13:20Z in ns

/** tshark's fields of every frame of a file, one object per frame. */
function tsharkFields(path: string, fields: string[]): Record<string, string>[] {
  const out = run('tshark', ['-r', path, '-T', 'fields', '-E', 'separator=|', '-E', 'occurrence=a', '-E', 'aggregator=;', ...fields.flatMap((f) => ['-e', f])]);
  return out
    .trim()
    .split('\n')
    .map((line) => Object.fromEntries(line.split('|').map((v, i) => [fields[i]!, v])));
}

/** Our packets of a file. */
async function collect(path: string): Promise<FilePacket[]> {
  const out: FilePacket[] = [];
  for await (const p of readPackets(path)) out.push(p);
  return out;
}

/**
 * Sends UDP datagrams `${tag}-0`, `${tag}-1`... to 127.0.0.1:port every 25 ms until `done`
 * settles: a capture tool may say it is listening a moment before its filter is in place, so
 * the test checks for consecutive payloads rather than for the first ones.
 */
async function sendUntil<T>(port: number, tag: string, done: Promise<T>): Promise<T> {
  const s = createSocket('udp4');
  let finished = false;
  void done.finally(() => {
    finished = true;
  });
  for (let i = 0; !finished && i < 2000; i++) {
    await new Promise<void>((resolve, reject) => s.send(`${tag}-${i}`, port, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
    await new Promise((r) => setTimeout(r, 25));
  }
  s.close();
  return done;
}

/** Payloads `${tag}-k` .. `${tag}-(k+n-1)` for some k: consecutive datagrams, none lost or reordered. */
function expectConsecutive(payloads: string[], tag: string, n: number): void {
  expect(payloads).toHaveLength(n);
  const first = Number(payloads[0]!.slice(tag.length + 1));
  expect(payloads).toEqual(Array.from({ length: n }, (_, i) => `${tag}-${first + i}`));
}

/** The UDP payload of a captured frame (IPv4 without options). */
function udpPayload(p: FilePacket): string {
  const { offset, protocol } = networkLayer(p.interface.linkType, p.packet.data);
  expect(protocol).toBe(0x0800);
  return Buffer.from(p.packet.data.subarray(offset + 28)).toString();
}

const ns = (t: bigint): string => `${t / 1_000_000_000n}.${(t % 1_000_000_000n).toString().padStart(9, '0')}`;

describe('our files in tshark and tcpdump', () => {
  it('tshark reads a pcapng with two sections, several interfaces and resolutions, comments, flags and truncated packets as written', async () => {
    const path = join(dir, 'ours.pcapng');
    const le = new PcapngEncoder({ littleEndian: true });
    const be = new PcapngEncoder({ littleEndian: false });
    const sll2 = encodeSll2Header({ protocol: 0x0800, interfaceIndex: 7, hardwareType: 1, packetType: 4, address: Uint8Array.of(2, 0, 0, 0, 0, 9) });
    const big = ethernetUdp(new Uint8Array(1400).fill(0x61));
    const parts = [
      le.section({ comments: ['first section'], userAppl: 'rxsock test' }),
      le.interface({ linkType: LinkType.ETHERNET, name: 'eth0', description: 'first', tsResolution: { base: 10, exponent: 9 } }),
      le.interface({ linkType: LinkType.RAW, name: 'tun0', tsResolution: { base: 10, exponent: 6 } }),
      le.interface({ linkType: LinkType.LINUX_SLL2, name: 'any', tsResolution: { base: 2, exponent: 20 } }),
      le.packet({ interfaceId: 0, timestamp: T0 + 123_456_789n, data: ethernetUdp(text('hello')), comments: ['a comment'], flags: 1 }),
      le.packet({ interfaceId: 1, timestamp: T0 + 2_000_001_000n, data: ipv4Udp(text('raw ip')), flags: 2 }),
      le.packet({ interfaceId: 0, timestamp: T0 + 3_000_000_000n, data: big.subarray(0, 60), originalLength: big.length }),
      le.packet({ interfaceId: 2, timestamp: T0 + 4_500_000_000n, data: new Uint8Array([...sll2, ...ipv4Udp(text('cooked'))]) }),
      le.statistics({ interfaceId: 0, timestamp: T0 + 5_000_000_000n, received: 3n, osDropped: 1n }),
      be.section({ comments: ['second section, big-endian'] }),
      be.interface({ linkType: LinkType.ETHERNET, name: 'eth1', tsResolution: { base: 10, exponent: 3 } }),
      be.packet({ interfaceId: 0, timestamp: T0 + 6_007_000_000n, data: ethernetUdp(text('from be')), comments: ['two', 'comments'] }),
    ];
    writeFileSync(path, Buffer.concat(parts));

    const frames = tsharkFields(path, [
      'frame.section_number',
      'frame.interface_id',
      'frame.interface_name',
      'frame.time_epoch',
      'frame.len',
      'frame.cap_len',
      'frame.comment',
      'frame.packet_flags_direction',
      'frame.protocols',
      'udp.dstport',
    ]);
    expect(frames).toEqual([
      expect.objectContaining({ 'frame.section_number': '1', 'frame.interface_id': '0', 'frame.interface_name': 'eth0', 'frame.time_epoch': ns(T0 + 123_456_789n), 'frame.len': '47', 'frame.cap_len': '47', 'frame.comment': 'a comment', 'frame.packet_flags_direction': '0x00000001', 'frame.protocols': 'eth:ethertype:ip:udp:data' }),
      expect.objectContaining({ 'frame.interface_name': 'tun0', 'frame.time_epoch': ns(T0 + 2_000_001_000n), 'frame.len': '34', 'frame.packet_flags_direction': '0x00000002', 'frame.protocols': 'raw:ip:udp:data' }),
      expect.objectContaining({ 'frame.interface_name': 'eth0', 'frame.time_epoch': ns(T0 + 3_000_000_000n), 'frame.len': String(big.length), 'frame.cap_len': '60', 'frame.comment': '' }),
      expect.objectContaining({ 'frame.interface_name': 'any', 'frame.time_epoch': ns(T0 + 4_500_000_000n), 'frame.protocols': 'sll:ethertype:ip:udp:data', 'udp.dstport': '5555' }),
      // tshark 4.0.17 names a later section's interface 0 after the first section's (it reads
      // the time with eth1's millisecond resolution, and capinfos lists eth1, below): the name is
      // not compared for this frame.
      expect.objectContaining({ 'frame.section_number': '2', 'frame.interface_id': '0', 'frame.time_epoch': ns(T0 + 6_007_000_000n), 'frame.comment': 'two;comments' }),
    ]);
    // Our cooked header, as tshark's sll dissector reads it.
    expect(tsharkFields(path, ['sll.pkttype', 'sll.ifindex', 'sll.hatype', 'sll.halen', 'sll.src.eth', 'sll.etype'])[3]).toEqual({
      'sll.pkttype': '4',
      'sll.ifindex': '7',
      'sll.hatype': '1',
      'sll.halen': '6',
      'sll.src.eth': '02:00:00:00:00:09',
      'sll.etype': '0x0800',
    });
    // Section options, interfaces with their resolutions, and the statistics block, as Wireshark's capinfos lists them.
    const capinfos = run('capinfos', ['-M', path]).replace(/\s+/g, ' ');
    for (const fact of [
      'Number of packets: 5',
      'Capture application: rxsock test',
      'Capture comment: first section',
      'Capture comment: second section, big-endian',
      'Name = eth0 Description = first Encapsulation = Ethernet (1 - ether)',
      'Name = tun0 Encapsulation = Raw IP (7 - rawip) Capture length = 262144 Time precision = microseconds (6)',
      'Name = any Encapsulation = Linux cooked-mode capture v2 (210 - linux-sll2) Capture length = 262144 Time precision = microseconds (6) Time ticks per second = 1048576',
      'Name = eth1 Encapsulation = Ethernet (1 - ether) Capture length = 262144 Time precision = milliseconds (3)',
      'Time resolution = 0x09 Number of stat entries = 1',
    ]) {
      expect(capinfos).toContain(fact);
    }
  });

  it('tcpdump and tshark read our pcap files in both byte orders and both timestamp units', { timeout: 120_000 }, async () => {
    for (const littleEndian of [true, false]) {
      for (const nanosecond of [true, false]) {
        const path = join(dir, `ours-${littleEndian ? 'le' : 'be'}-${nanosecond ? 'ns' : 'us'}.pcap`);
        const enc = new PcapEncoder({ linkType: LinkType.ETHERNET, littleEndian, nanosecond, snapLen: 100 });
        const records: CaptureRecordInit[] = [
          { type: 'packet', timestamp: T0 + 1_234_567_891n, data: ethernetUdp(text('one'), 1111, 2222) },
          { type: 'packet', timestamp: T0 + 9_000_000_001n, data: ethernetUdp(new Uint8Array(300), 3333, 4444) },
        ];
        writeFileSync(path, Buffer.concat([enc.header(), ...records.map((r) => enc.encode(r))]));
        const lines = run('tcpdump', ['-r', path, '-nn', '-tt', '--time-stamp-precision=nano']).trim().split('\n');
        const frac = (t: bigint) => (nanosecond ? ns(t) : ns((t / 1000n) * 1000n));
        expect(lines).toEqual([
          `${frac(T0 + 1_234_567_891n)} IP 10.0.0.1.1111 > 10.0.0.2.2222: UDP, length 3`,
          // Cut to the 100-byte snap length, the wire length kept: tcpdump reports the UDP length.
          `${frac(T0 + 9_000_000_001n)} IP 10.0.0.1.3333 > 10.0.0.2.4444: UDP, length 300`,
        ]);
        const frames = tsharkFields(path, ['frame.len', 'frame.cap_len']);
        expect(frames).toEqual([
          { 'frame.len': '45', 'frame.cap_len': '45' },
          { 'frame.len': '342', 'frame.cap_len': '100' },
        ]);
      }
    }
  });

  it('tcpdump reads a pcapng written from captured packets, with its link type and interface', async () => {
    const path = join(dir, 'captured.pcapng');
    const file = createPacketCaptureFile(path, { interfaceName: 'veth0', filter: 'udp', comment: 'test' });
    file.write({ data: ethernetUdp(text('in')), length: 45, timestamp: T0 + 1n, packetType: 'host' });
    file.write({ data: ethernetUdp(text('out')), length: 46, timestamp: T0 + 2n, packetType: 'outgoing' });
    file.statistics({ received: 2, dropped: 0, timestamp: T0 + 3n });
    await file.close();
    const out = run('tcpdump', ['-r', path, '-nn', '-tt', '--time-stamp-precision=nano', '-e']);
    expect(out.trim().split('\n')).toEqual([
      `${ns(T0 + 1n)} 02:00:00:00:00:01 > 02:00:00:00:00:02, ethertype IPv4 (0x0800), length 45: 10.0.0.1.40000 > 10.0.0.2.5555: UDP, length 2`,
      `${ns(T0 + 2n)} 02:00:00:00:00:01 > 02:00:00:00:00:02, ethertype IPv4 (0x0800), length 46: 10.0.0.1.40000 > 10.0.0.2.5555: UDP, length 3`,
    ]);
    const frames = tsharkFields(path, ['frame.interface_name', 'frame.packet_flags_direction', 'frame.packet_flags_reception_type']);
    expect(frames).toEqual([
      { 'frame.interface_name': 'veth0', 'frame.packet_flags_direction': '0x00000001', 'frame.packet_flags_reception_type': '1' },
      { 'frame.interface_name': 'veth0', 'frame.packet_flags_direction': '0x00000002', 'frame.packet_flags_reception_type': '0' },
    ]);
  });

  it('scapy reads our pcap and pcapng files with the same bytes and times', { timeout: 60_000 }, async () => {
    for (const format of ['pcap', 'pcapng'] as const) {
      const path = join(dir, `for-scapy.${format}`);
      const data = [ethernetUdp(text('s1')), ethernetUdp(text('s22'))];
      await writeCaptureFile(
        path,
        [{ type: 'interface', linkType: 1, tsResolution: { base: 10, exponent: 6 } }, ...data.map((d, i) => ({ type: 'packet' as const, timestamp: T0 + BigInt(i) * 1_250_000n, data: d }))],
        { format },
      );
      const out = python(
        `import sys\nfrom scapy.all import rdpcap\nfor p in rdpcap(sys.argv[1]):\n  print(bytes(p).hex(), int(p.time * 1000000))`,
        [path],
      );
      expect(out.trim().split('\n')).toEqual(data.map((d, i) => `${hex(d)} ${(T0 + BigInt(i) * 1_250_000n) / 1000n}`));
    }
  });
});

describe('files the peers wrote, read here', () => {
  it('tcpdump -w (pcap, microseconds and nanoseconds) on loopback', { timeout: 120_000 }, async () => {
    for (const nano of [false, true]) {
      const path = join(dir, `tcpdump-${nano ? 'ns' : 'us'}.pcap`);
      const port = 20000 + Math.floor(Math.random() * 20000);
      const cap = await startCapture(
        'tcpdump',
        ['-i', 'lo', '-w', path, '-c', '5', '-U', ...(nano ? ['--time-stamp-precision=nano'] : []), 'udp', 'and', 'dst', 'port', String(port)],
        /listening on/,
      );
      const { code, stderr } = await sendUntil(port, `tcpdump-${nano}`, cap.done);
      expect(code, stderr).toBe(0);

      const ours = await collect(path);
      expectConsecutive(ours.map((p) => udpPayload(p)), `tcpdump-${nano}`, 5);
      expect(ours.every((p) => p.interface.linkType === LinkType.ETHERNET && p.packet.originalLength === p.packet.data.length)).toBe(true);
      let section: CaptureSection | undefined;
      for await (const r of readCaptureFile(path)) if (r.type === 'section') section = r;
      expect(section).toMatchObject({ format: 'pcap', majorVersion: 2, minorVersion: 4 });
      // tcpdump's own reading of the file: same times (to the unit the file holds) and lengths.
      const lines = run('tcpdump', ['-r', path, '-nn', '-tt', '--time-stamp-precision=nano', '-e']).trim().split('\n');
      expect(lines.map((l) => l.split(' ')[0])).toEqual(ours.map((p) => ns(p.packet.timestamp)));
      expect(lines.map((l) => Number(/length (\d+):/.exec(l)![1]))).toEqual(ours.map((p) => p.packet.originalLength));
      if (!nano) expect(ours.every((p) => p.packet.timestamp % 1000n === 0n)).toBe(true);
    }
  });

  it('dumpcap (pcapng with if_name, if_filter and its resolution) on loopback', { timeout: 120_000 }, async () => {
    const path = join(dir, 'dumpcap.pcapng');
    const port = 20000 + Math.floor(Math.random() * 20000);
    const cap = await startCapture('dumpcap', ['-i', 'lo', '-f', `udp and dst port ${port}`, '-c', '4', '-w', path], /Capturing on/);
    const { code, stderr } = await sendUntil(port, 'dumpcap', cap.done);
    expect(code, stderr).toBe(0);

    const records = [];
    for await (const r of readCaptureFile(path)) records.push(r);
    const iface = records.find((r) => r.type === 'interface');
    expect(iface).toMatchObject({ linkType: 1, name: 'lo', filter: `udp and dst port ${port}` });
    expect(records.find((r) => r.type === 'section')).toMatchObject({ format: 'pcapng', majorVersion: 1 });
    const ours = await collect(path);
    expectConsecutive(ours.map((p) => udpPayload(p)), 'dumpcap', 4);
    const theirs = tsharkFields(path, ['frame.time_epoch', 'frame.len', 'frame.interface_name']);
    expect(theirs).toEqual(ours.map((p) => ({ 'frame.time_epoch': ns(p.packet.timestamp), 'frame.len': String(p.packet.originalLength), 'frame.interface_name': 'lo' })));
  });

  it("scapy's wrpcap and wrpcapng", { timeout: 60_000 }, async () => {
    const pcap = join(dir, 'scapy.pcap');
    const pcapng = join(dir, 'scapy.pcapng');
    const out = python(
      [
        'import sys',
        'from scapy.all import Ether, IP, UDP, Raw, wrpcap',
        'from scapy.utils import wrpcapng',
        'pkts = []',
        'for i in range(3):',
        '  p = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")/IP(src="10.0.0.1", dst="10.0.0.2")/UDP(sport=1000+i, dport=53)/Raw(b"scapy-%d" % i)',
        '  p.time = 1700000000 + i + 0.25',
        '  p.comment = b"note %d" % i',
        '  pkts.append(p)',
        'wrpcap(sys.argv[1], pkts)',
        'wrpcapng(sys.argv[2], pkts)',
        'for p in pkts: print(bytes(p).hex())',
      ].join('\n'),
      [pcap, pcapng],
    );
    const expected = out.trim().split('\n');
    for (const path of [pcap, pcapng]) {
      const ours = await collect(path);
      expect(ours.map((p) => hex(p.packet.data))).toEqual(expected);
      expect(ours.map((p) => p.packet.timestamp)).toEqual([0n, 1n, 2n].map((i) => T0 + i * 1_000_000_000n + 250_000_000n));
      expect(ours.map((p) => udpPayload(p))).toEqual(['scapy-0', 'scapy-1', 'scapy-2']);
      if (path === pcapng) {
        // scapy 2.5 ends each comment with a newline; tshark shows it too.
        expect(ours.map((p) => p.packet.comments)).toEqual([['note 0\n'], ['note 1\n'], ['note 2\n']]);
        expect(tsharkFields(path, ['frame.comment']).map((f) => f['frame.comment'])).toEqual(['note 0\\n', 'note 1\\n', 'note 2\\n']);
      }
    }
  });
});
