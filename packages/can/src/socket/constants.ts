/** Linux numbers of the CAN_RAW socket API (linux/can.h, linux/can/raw.h, asm-generic/socket.h). */

/** `CAN_RAW`, the protocol of `socket(AF_CAN, SOCK_RAW, CAN_RAW)`. */
export const CAN_RAW = 1;
/** `SOL_CAN_RAW` (SOL_CAN_BASE + CAN_RAW). */
export const SOL_CAN_RAW = 101;

/** Option numbers at level {@link SOL_CAN_RAW}. */
export const CanRawOption = {
  FILTER: 1,
  ERR_FILTER: 2,
  LOOPBACK: 3,
  RECV_OWN_MSGS: 4,
  FD_FRAMES: 5,
  JOIN_FILTERS: 6,
  XL_FRAMES: 7,
} as const;

/** `SO_TIMESTAMPING` (37) and its cmsg type. */
export const SO_TIMESTAMPING = 37;
/** `SOF_TIMESTAMPING_*` flags asking for receive stamps: hardware, software, and reporting both. */
export const SOF_TIMESTAMPING = {
  RX_HARDWARE: 1 << 2,
  RX_SOFTWARE: 1 << 3,
  SOFTWARE: 1 << 4,
  RAW_HARDWARE: 1 << 6,
} as const;
