/**
 * CAN_RAW sockets: options, receiving (Observable, credit, `for await`) and sending with a
 * queue that rides out ENOBUFS.
 * @module
 */
export { openCanRaw, CanRawSocket, type CanReaderOptions } from './raw-socket.js';
export { CanFrameReader, framesIterable, type CreditReader } from './reader.js';
export { CanFrameWriter, type CanWriterOptions, type CanWriterCounters } from './writer.js';
export { applyCanRawOptions, setCanFilters, setCanErrorMask, type CanRawOptions } from './options.js';
export { interfaceIndex, type CanInterface } from './interface.js';
export { CanErrorCode } from './errors.js';
export { CAN_RAW, SOL_CAN_RAW, CanRawOption, SO_TIMESTAMPING, SOF_TIMESTAMPING } from './constants.js';
