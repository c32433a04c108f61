export { CAN_BCM, BcmOpcode, BcmFlag, BCM_MAX_NFRAMES } from './constants.js';
export { encodeBcmMessage, decodeBcmMessage, bcmHeadSize, hostBcmAbi, type BcmAbi, type BcmMessage } from './head.js';
export { openCanBcm, CanBcmSocket, CyclicJob, type BcmFrame, type CanBcmOptions, type CyclicOptions, type WatchOptions, type BcmChange, type BcmTimeout, type BcmEvent } from './socket.js';
