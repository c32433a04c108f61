/**
 * SAE J1939 on CAN_J1939 sockets: NAME/address binding, PGN filters, promiscuous mode,
 * priorities, broadcast and destination-specific messages, TP/ETP transport by the kernel,
 * address claiming, and each message's end or abort from the error queue.
 * @module
 */
export * from './constants.js';
export { encodeJ1939Filters, decodeJ1939Filters, rawJ1939Filter, J1939_FILTER_SIZE, type J1939Filter, type RawJ1939Filter } from './filter.js';
export { encodeJ1939Name, decodeJ1939Name, j1939NameBytes, j1939NameFromBytes, type J1939NameFields } from './name.js';
export { decodeJ1939Control, decodeJ1939ErrQueue, decodeJ1939SessionStats, encodeJ1939SessionStats, type J1939ReceiveControl, type J1939ErrQueueEvent, type J1939ErrQueueKind, type J1939SessionStats } from './control.js';
export { j1939Address, j1939Part, checkPgn, isPdu1, type J1939Endpoint } from './address.js';
export type { J1939Message } from './receive.js';
export { openCanJ1939, CanJ1939Socket, type CanJ1939Options, type J1939SendOptions, type J1939ReaderOptions } from './socket.js';
export { J1939MessageReader } from './reader.js';
export { J1939ErrorCode, type J1939SendResult } from './transmit-tracker.js';
