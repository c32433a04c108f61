export { Socket, type SocketOptions, type ReceivedMsg, type OutgoingMessage, type ShutdownHow } from './socket.js';
export { SendBatch } from './send-batch.js';
export { MessageBatch, type MessageBatchOptions, type ReceivedMessage } from './message-batch.js';
export type { AddressInput } from './address-input.js';
export type { OperationOptions } from './deadline.js';
export type { ReadableListener, ReadListener } from './io-state.js';
export { socketOptions, type OptionSpec, type Kind as OptionKind, type OptionName, type OptionValue, type OptionValueKinds, type Linger, type Credentials, type Ipv4Membership, type Ipv6Membership } from './options.js';
export { getaddrinfo, getnameinfo, type AddrInfo, type AddrInfoOptions } from './resolve.js';
export { gethostname, ifNameIndex, ifNameToIndex, ifIndexToName } from './netif.js';
