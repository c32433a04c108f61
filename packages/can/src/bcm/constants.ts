/** Linux numbers of the CAN broadcast manager (linux/can/bcm.h). */

/** `CAN_BCM`, the protocol of `socket(AF_CAN, SOCK_DGRAM, CAN_BCM)`. */
export const CAN_BCM = 2;

/** BCM opcodes: what a `bcm_msg_head` asks for (to the kernel) or reports (from it). */
export const BcmOpcode = {
  TX_SETUP: 1,
  TX_DELETE: 2,
  TX_READ: 3,
  TX_SEND: 4,
  RX_SETUP: 5,
  RX_DELETE: 6,
  RX_READ: 7,
  TX_STATUS: 8,
  TX_EXPIRED: 9,
  RX_STATUS: 10,
  RX_TIMEOUT: 11,
  RX_CHANGED: 12,
} as const;

/** BCM flags of a `bcm_msg_head`. */
export const BcmFlag = {
  SETTIMER: 0x0001,
  STARTTIMER: 0x0002,
  TX_COUNTEVT: 0x0004,
  TX_ANNOUNCE: 0x0008,
  TX_CP_CAN_ID: 0x0010,
  RX_FILTER_ID: 0x0020,
  RX_CHECK_DLC: 0x0040,
  RX_NO_AUTOTIMER: 0x0080,
  RX_ANNOUNCE_RESUME: 0x0100,
  TX_RESET_MULTI_IDX: 0x0200,
  RX_RTR_FRAME: 0x0400,
  CAN_FD_FRAME: 0x0800,
} as const;

/** Most frames one BCM operation carries (the kernel's `MAX_NFRAMES`). */
export const BCM_MAX_NFRAMES = 256;
