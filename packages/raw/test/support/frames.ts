/** Test frames built by hand (the codec package has its own tests; these stay independent of it). */

/** A MAC's bytes from its text. */
export function macBytes(mac: string): Buffer {
  return Buffer.from(mac.split(':').map((h) => parseInt(h, 16)));
}

/** An Ethernet II frame, optionally with one 802.1Q tag. */
export function ethernetFrame(dst: string, src: string, etherType: number, payload: Uint8Array, vlan?: { tci: number; tpid?: number }): Buffer {
  const tag = vlan ? 4 : 0;
  const b = Buffer.alloc(14 + tag + payload.length);
  macBytes(dst).copy(b, 0);
  macBytes(src).copy(b, 6);
  if (vlan) {
    b.writeUInt16BE(vlan.tpid ?? 0x8100, 12);
    b.writeUInt16BE(vlan.tci, 14);
  }
  b.writeUInt16BE(etherType, 12 + tag);
  b.set(payload, 14 + tag);
  return b;
}
