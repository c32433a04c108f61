/**
 * tcpdump's relative TCP sequence numbers (print-tcp.c): the first packet with ACK seen on a
 * connection, or a SYN, records both directions' bases; later packets print their distance from
 * them. Connections are keyed with their endpoints in a canonical order, so both directions
 * share one entry.
 */
interface Bases {
  seq: number;
  ack: number;
}

/** Per-capture state of the relative numbering. */
export class TcpSequences {
  private readonly flows = new Map<string, Bases>();

  /**
   * The numbers to print for one segment. `reversed` says whether (src, port) sorts after
   * (dst, port), as tcpdump's `rev`.
   */
  relative(key: string, reversed: boolean, seq: number, ack: number, syn: boolean): { seq: number; ack: number } {
    const entry = this.flows.get(key);
    if (entry === undefined || syn) {
      const bases = reversed ? { ack: seq, seq: (ack - 1) >>> 0 } : { seq, ack: (ack - 1) >>> 0 };
      this.flows.set(key, bases);
      return { seq, ack };
    }
    return reversed ? { seq: (seq - entry.ack) >>> 0, ack: (ack - entry.seq) >>> 0 } : { seq: (seq - entry.seq) >>> 0, ack: (ack - entry.ack) >>> 0 };
  }
}

/** Compares two address byte strings the way tcpdump's memcmp does. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}
