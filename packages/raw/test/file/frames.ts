// Hand-built test frames (Ethernet / IPv4 / UDP), independent of the header codecs under test
// elsewhere, so these tests prove the file layer only.

function ipv4Checksum(h: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < h.length; i += 2) sum += (h[i]! << 8) | h[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** An IPv4/UDP packet from 10.0.0.1:sport to 10.0.0.2:dport. */
export function ipv4Udp(payload: Uint8Array, sport = 40000, dport = 5555): Uint8Array {
  const total = 20 + 8 + payload.length;
  const b = new Uint8Array(total);
  const v = new DataView(b.buffer);
  b[0] = 0x45;
  v.setUint16(2, total);
  b[8] = 64;
  b[9] = 17;
  b.set([10, 0, 0, 1], 12);
  b.set([10, 0, 0, 2], 16);
  v.setUint16(10, ipv4Checksum(b.subarray(0, 20)));
  v.setUint16(20, sport);
  v.setUint16(22, dport);
  v.setUint16(24, 8 + payload.length);
  b.set(payload, 28);
  return b;
}

/** The same inside an Ethernet II frame. */
export function ethernetUdp(payload: Uint8Array, sport?: number, dport?: number): Uint8Array {
  const ip = ipv4Udp(payload, sport, dport);
  const b = new Uint8Array(14 + ip.length);
  b.set([0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00], 0);
  b.set(ip, 14);
  return b;
}

export const text = (s: string): Uint8Array => new TextEncoder().encode(s);
export const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');
