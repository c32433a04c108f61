/**
 * ISO-TP (ISO 15765-2) sockets: whole messages over CAN with the kernel's segmentation and flow
 * control, received as an Observable and sent with a per-message result.
 * @module
 */
export { CAN_ISOTP, SOL_CAN_ISOTP, IsotpOption, IsotpFlag, IsotpDefault, CAN_ISOTP_FRAME_TXTIME_ZERO, ISOTP_FD_TX_DL, ISOTP_LINUX_6_1_MAX_MESSAGE } from './constants.js';
export {
  encodeIsotpOptions, decodeIsotpOptions, encodeIsotpFcOptions, decodeIsotpFcOptions, encodeIsotpLlOptions, decodeIsotpLlOptions,
  ISOTP_OPTIONS_SIZE, ISOTP_FC_OPTIONS_SIZE, ISOTP_LL_OPTIONS_SIZE, type IsotpOptionsStruct, type IsotpFcStruct, type IsotpLlStruct,
} from './structs.js';
export { encodeStMin, decodeStMin } from './stmin.js';
export { planIsotpSocket, type CanIsotpOptions, type IsotpFlowControl, type IsotpFdOptions, type IsotpSocketPlan } from './options.js';
export { IsotpErrno, IsotpErrorCode } from './errors.js';
export { isotpMaxMessageSize } from './limits.js';
export { IsotpMessageReader, type IsotpReaderOptions } from './reader.js';
export { openCanIsotp, CanIsotpSocket, type IsotpKernelOptions, type IsotpCounters } from './socket.js';
