/**
 * @packageDocumentation
 * `@rxsock/can`: SocketCAN on top of `@rxsock/core`. CAN_RAW classic, FD and XL frames as RxJS
 * observables with kernel timestamps, interface and drop counts; filters and error frames; a
 * sender that rides out a full device queue (ENOBUFS); the broadcast manager (CAN_BCM: cyclic
 * jobs, content-change watches), ISO-TP (CAN_ISOTP) and J1939 (CAN_J1939) sockets; DBC signal
 * decoding and encoding; candump logs, pcap/pcapng and replay; a CLI with can-utils' syntax.
 */
export * from './codec/index.js';
export * from './socket/index.js';
export * from './log/index.js';
export * from './dbc/index.js';
export * from './bcm/index.js';
export * from './isotp/index.js';
export * from './j1939/index.js';
