/** Linux numbers of the ISO 15765-2 transport protocol socket (linux/can/isotp.h). */

/** `CAN_ISOTP`, the protocol of `socket(AF_CAN, SOCK_DGRAM, CAN_ISOTP)`. */
export const CAN_ISOTP = 6;
/** `SOL_CAN_ISOTP` (SOL_CAN_BASE 100 + CAN_ISOTP). */
export const SOL_CAN_ISOTP = 106;

/** Option numbers at level {@link SOL_CAN_ISOTP}. All must be set before `bind` (after it: EISCONN). */
export const IsotpOption = {
  /** `struct can_isotp_options` (12 bytes). */
  OPTS: 1,
  /** `struct can_isotp_fc_options` (3 bytes): the flow control this socket sends as a receiver. */
  RECV_FC: 2,
  /** u32 nanoseconds: the separation time used instead of the receiver's (with FORCE_TXSTMIN). */
  TX_STMIN: 3,
  /** u32 nanoseconds: consecutive frames closer than this are ignored (with FORCE_RXSTMIN). */
  RX_STMIN: 4,
  /** `struct can_isotp_ll_options` (3 bytes): classic or CAN FD frames, their data length and flags. */
  LL_OPTS: 5,
} as const;

/** Flags of `can_isotp_options.flags`. */
export const IsotpFlag = {
  /** Listen only: receive, but never send flow control frames. */
  LISTEN_MODE: 0x0001,
  /** Extended (or mixed) addressing: the first data byte of each frame is an address byte. */
  EXTEND_ADDR: 0x0002,
  /** Pad every sent frame to its full length with `txpad_content`. */
  TX_PADDING: 0x0004,
  /** Expect received frames padded (with `rxpad_content`). */
  RX_PADDING: 0x0008,
  /** Drop a received message whose frames are not padded to full length (EBADMSG). */
  CHK_PAD_LEN: 0x0010,
  /** Drop a received message whose padding bytes differ from `rxpad_content` (EBADMSG). */
  CHK_PAD_DATA: 0x0020,
  /** Half duplex: no reception while sending and the other way round. */
  HALF_DUPLEX: 0x0040,
  /** Send with the TX_STMIN option's separation time, ignoring the receiver's. */
  FORCE_TXSTMIN: 0x0080,
  /** Ignore consecutive frames that arrive closer than the RX_STMIN option's time. */
  FORCE_RXSTMIN: 0x0100,
  /** A receive address byte different from the send one (`rx_ext_address`). */
  RX_EXT_ADDR: 0x0200,
  /** Block `write` until the transfer completes (rxsock never sets it: it would block Node's loop). */
  WAIT_TX_DONE: 0x0400,
  /** 1-to-N functional addressing: single frames only, no reception. */
  SF_BROADCAST: 0x0800,
  /** 1-to-N transmission of segmented messages without flow control. */
  CF_BROADCAST: 0x1000,
} as const;

/** The kernel's defaults (linux/can/isotp.h). */
export const IsotpDefault = {
  /** Padding byte content, chosen against bit stuffing. */
  PAD_CONTENT: 0xcc,
  /** Gap between sent frames (N_As), nanoseconds. */
  FRAME_TXTIME_NS: 50_000,
  /** Link-layer MTU: classic CAN frames. */
  LL_MTU: 16,
  /** Link-layer data length per frame. */
  LL_TX_DL: 8,
} as const;

/** `frame_txtime` value meaning "no gap at all" (0 in the struct means "keep the default"). */
export const CAN_ISOTP_FRAME_TXTIME_ZERO = 0xffffffff;

/** Data lengths a CAN FD link layer can send per frame (`tx_dl`). */
export const ISOTP_FD_TX_DL = [8, 12, 16, 20, 24, 32, 48, 64] as const;

/**
 * Largest message (PDU) the Linux 6.1 module takes, classic CAN and FD alike: its fixed
 * `MAX_MSG_LENGTH` of 66000 bytes (measured in the guest: 66000 sent and received on classic
 * vcan, 66001 refused with EINVAL). Above 4095 bytes the first frame carries the 32-bit length
 * escape of ISO 15765-2:2016. From Linux 6.2 the `max_pdu_size` module parameter sets it
 * (default 8300); {@link isotpMaxMessageSize} reads it.
 */
export const ISOTP_LINUX_6_1_MAX_MESSAGE = 66000;
