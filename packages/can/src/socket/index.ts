/**
 * CAN_RAW sockets: options, receiving (Observable, credit, `for await`) and sending with a
 * queue that rides out ENOBUFS.
 * @module
 */
export { openCanRaw, CanRawSocket } from './raw-socket.js';
export { CanCreditReader, type CanReaderOptions } from './credit-reader.js';
export { CanFrameReader, framesIterable, type CreditSource } from './reader.js';
export { CanFrameWriter, type CanWriterOptions, type CanWriterCounters } from './writer.js';
export { applyCanRawOptions, setCanFilters, setCanErrorMask, type CanRawOptions } from './options.js';
export { interfaceIndex, type CanInterface } from './interface.js';
export { CanErrorCode } from './errors.js';
export { CAN_RAW, SOL_CAN_RAW, CanRawOption, SO_TIMESTAMPING, SOF_TIMESTAMPING } from './constants.js';
