/** Linux numbers of the SAE J1939 socket API (linux/can/j1939.h, kernel 6.1). */

/** `CAN_J1939`, the protocol of `socket(AF_CAN, SOCK_DGRAM, CAN_J1939)`. */
export const CAN_J1939 = 7;
/** `SOL_CAN_J1939` (SOL_CAN_BASE 100 + CAN_J1939). */
export const SOL_CAN_J1939 = 107;

/** Option numbers at level {@link SOL_CAN_J1939}. */
export const J1939Option = {
  FILTER: 1,
  PROMISC: 2,
  SEND_PRIO: 3,
  ERRQUEUE: 4,
} as const;

/** Control-message types at level {@link SOL_CAN_J1939}. */
export const J1939Scm = {
  DEST_ADDR: 1,
  DEST_NAME: 2,
  PRIO: 3,
  ERRQUEUE: 4,
} as const;

/** `J1939_EE_INFO_*`: what an error-queue entry (SO_EE_ORIGIN_LOCAL) reports. */
export const J1939EeInfo = {
  NONE: 0,
  TX_ABORT: 1,
  RX_RTS: 2,
  RX_DPO: 3,
  RX_ABORT: 4,
} as const;

/** `J1939_NLA_*`: the netlink attributes an error-queue entry carries as its payload. */
export const J1939Nla = {
  PAD: 0,
  BYTES_ACKED: 1,
  TOTAL_SIZE: 2,
  PGN: 3,
  SRC_NAME: 4,
  DEST_NAME: 5,
  SRC_ADDR: 6,
  DEST_ADDR: 7,
} as const;

/** Highest address a node may own. */
export const J1939_MAX_UNICAST_ADDR = 0xfd;
/** The address of a node that could not claim one. */
export const J1939_IDLE_ADDR = 0xfe;
/** No address; as a destination: broadcast. */
export const J1939_NO_ADDR = 0xff;
/** No NAME. */
export const J1939_NO_NAME = 0n;
/** Highest parameter group number (18 bits: reserved, data page, PDU format, PDU specific). */
export const J1939_PGN_MAX = 0x3ffff;
/** No PGN (bind: receive every PGN). */
export const J1939_NO_PGN = 0x40000;
/** The Request PG. */
export const J1939_PGN_REQUEST = 0x0ea00;
/** The Address Claimed PG: 8 bytes of NAME, sent to claim an address. */
export const J1939_PGN_ADDRESS_CLAIMED = 0x0ee00;
/** The Commanded Address PG. */
export const J1939_PGN_ADDRESS_COMMANDED = 0x0fed8;
/** Most filters one socket takes (`J1939_FILTER_MAX`). */
export const J1939_FILTER_MAX = 512;
/** Largest message of the transport protocol (TP, BAM included): 255 packets of 7 bytes. */
export const J1939_MAX_TP_PACKET_SIZE = 7 * 0xff;
/** Largest message of the extended transport protocol (ETP, destination-specific only). */
export const J1939_MAX_ETP_PACKET_SIZE = 7 * 0x00ffffff;

/** SOF_TIMESTAMPING flags the error queue uses (linux/net_tstamp.h). */
export const SofTimestamping = {
  TX_SCHED: 1 << 8,
  TX_ACK: 1 << 9,
  SOFTWARE: 1 << 4,
  RX_SOFTWARE: 1 << 3,
  OPT_ID: 1 << 7,
  OPT_CMSG: 1 << 10,
  OPT_TSONLY: 1 << 11,
  OPT_STATS: 1 << 12,
} as const;

/** `SCM_TSTAMP_*`: ee_info of a timestamping error-queue entry. */
export const ScmTstamp = {
  SND: 0,
  SCHED: 1,
  ACK: 2,
} as const;

/** `SO_EE_ORIGIN_*` of `struct sock_extended_err`. */
export const SoEeOrigin = {
  NONE: 0,
  LOCAL: 1,
  ICMP: 2,
  ICMP6: 3,
  TIMESTAMPING: 4,
} as const;
