/**
 * @packageDocumentation
 * `@rxsock/raw`: packet capture and crafting on top of `@rxsock/core`. AF_PACKET capture (a
 * TPACKET_V3 ring or recvmmsg), BPF filters, fanout, raw IPv4/IPv6/ICMP and ping sockets,
 * lazy header codecs, and pcap/pcapng files, as RxJS observables.
 */
export * from './codec/index.js';
export * from './capture/index.js';
export * from './craft/index.js';
export * from './file/index.js';
