/**
 * tcpdump filter expressions compiled by libpcap's own compiler (`pcap_compile` on a handle
 * from `pcap_open_dead`): the same code tcpdump attaches, without a capture handle, an
 * interface or root. libpcap is an optional system library; without it this is a typed
 * `ERR_RXSOCK_LIBRARY_MISSING` naming the package (`apt-get install libpcap0.8`).
 */
import { loadNativeLibrary, SocketError, SOCK_FILTER_SIZE, type NativeLibrary } from '@rxsock/core';
import { BpfProgram } from './program.js';

/** Link types the compiler needs to know where headers start (libpcap's DLT numbers). */
export const FilterLinkType = {
  /** Ethernet (and loopback, which Linux gives a 14-byte Ethernet header): SOCK_RAW sockets. */
  ETHERNET: 1,
  /** Packets that start at the IP header: SOCK_DGRAM sockets (`DLT_RAW`). */
  RAW_IP: 12,
} as const;

/** Options of {@link compileFilter}. */
export interface CompileOptions {
  /** Link type (default Ethernet). */
  linkType?: number;
  /** Bytes the program keeps of each packet, as tcpdump's `-s` (default 262144). */
  snapLength?: number;
  /** Run libpcap's optimiser (default true, as tcpdump; `-O` turns it off there). */
  optimize?: boolean;
  /** IPv4 netmask for `ip broadcast` (default 0). */
  netmask?: number;
}

interface Libpcap {
  openDead(linktype: number, snaplen: number): unknown;
  compile(p: unknown, program: Uint8Array, text: string, optimize: number, netmask: number): number;
  freecode(program: Uint8Array): void;
  geterr(p: unknown): unknown;
  close(p: unknown): void;
  memcpy(dst: Uint8Array, src: bigint, n: number): unknown;
  lib: NativeLibrary;
}

let libpcap: Libpcap | undefined;

function load(): Libpcap {
  if (libpcap) return libpcap;
  const source = { purpose: 'compiling tcpdump filter expressions', debianPackage: 'libpcap0.8' };
  const lib = loadNativeLibrary(['libpcap.so.0.8', 'libpcap.so.1', 'libpcap.so'], source);
  const libc = loadNativeLibrary(['libc.so.6', 'libc.so'], { purpose: 'copying memory', debianPackage: 'libc6' });
  const f = <T>(proto: string) => lib.func(proto) as unknown as T;
  return (libpcap = {
    openDead: f('void *pcap_open_dead(int linktype, int snaplen)'),
    // struct bpf_program { u_int bf_len; struct bpf_insn *bf_insns; }: 16 bytes on 64-bit
    compile: f('int pcap_compile(void *p, void *fp, const char *str, int optimize, uint32_t netmask)'),
    freecode: f('void pcap_freecode(void *fp)'),
    geterr: f('void *pcap_geterr(void *p)'),
    close: f('void pcap_close(void *p)'),
    memcpy: libc.func('void *memcpy(void *dst, void *src, size_t n)') as never,
    lib,
  });
}

/**
 * Compiles a tcpdump filter expression (`'udp port 53'`, `'icmp or arp'`) into a BPF program.
 *
 * One difference from tcpdump: the `vlan` primitive. On a live Linux socket libpcap compiles it
 * to the kernel's VLAN ancillary loads, because the kernel strips the tag before the filter
 * runs; a dead handle compiles it to in-frame tag checks, which never match live traffic. For
 * VLAN filters, pass `tcpdump -dd -i IF 'vlan 5'` output instead.
 * @throws `SocketError` `ERR_RXSOCK_FILTER_SYNTAX` with libpcap's message for an
 * expression it rejects; `ERR_RXSOCK_LIBRARY_MISSING` without libpcap.
 */
export function compileFilter(expression: string, options: CompileOptions = {}): BpfProgram {
  const pcap = load();
  const handle = pcap.openDead(options.linkType ?? FilterLinkType.ETHERNET, options.snapLength ?? 262144);
  if (handle === null) throw new SocketError('pcap_open_dead failed', { code: 'ENOMEM', syscall: 'pcap_open_dead' });
  const program = new Uint8Array(16);
  try {
    if (pcap.compile(handle, program, expression, options.optimize === false ? 0 : 1, options.netmask ?? 0) !== 0) {
      const message = pcap.lib.readCString(pcap.geterr(handle)) ?? 'syntax error';
      throw new SocketError(`cannot compile filter '${expression}': ${message}`, { code: 'ERR_RXSOCK_FILTER_SYNTAX', syscall: 'pcap_compile' });
    }
    const v = new DataView(program.buffer);
    const count = v.getUint32(0, true);
    const bytes = new Uint8Array(count * SOCK_FILTER_SIZE);
    if (count > 0) pcap.memcpy(bytes, v.getBigUint64(8, true), bytes.byteLength);
    pcap.freecode(program);
    return BpfProgram.fromBytes(bytes);
  } finally {
    pcap.close(handle);
  }
}
