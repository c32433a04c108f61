/**
 * The records a capture file holds, shared by pcap and pcapng so that one consumer handles both:
 * a pcap file reads as one `section`, one `interface` (its link type and snap length) and its
 * `packet`s.
 */

/** The two container formats. */
export type CaptureFormat = 'pcap' | 'pcapng';

/**
 * A pcapng option as stored: its code and its value bytes (without padding). Every option of a
 * block is listed, including those also decoded into typed fields, in file order.
 */
export interface CaptureOption {
  /** Option code (1 is `opt_comment`; 2988/2989/19372/19373 are custom options). */
  readonly code: number;
  /** The value bytes, in the section's byte order for numeric options. */
  readonly value: Uint8Array;
}

/**
 * Timestamp units per second, `base ** exponent`: pcapng's `if_tsresol` (base 10 when its top
 * bit is clear, 2 when set). pcap's microsecond files are `{ base: 10, exponent: 6 }`, its
 * nanosecond files `{ base: 10, exponent: 9 }`.
 */
export interface TimestampResolution {
  /** 10 or 2. */
  readonly base: 10 | 2;
  /** 0 to 127. */
  readonly exponent: number;
}

/** The text options of a Section Header Block, the same decoded and to encode. */
export interface CaptureSectionDetails {
  /** `shb_hardware`. */
  readonly hardware?: string;
  /** `shb_os`. */
  readonly os?: string;
  /** `shb_userappl`: the application that wrote the section. */
  readonly userAppl?: string;
}

/** The start of a file (pcap) or of a pcapng section (Section Header Block). */
export interface CaptureSection extends CaptureSectionDetails {
  /** Discriminates the record kinds. */
  readonly type: 'section';
  /** The container. */
  readonly format: CaptureFormat;
  /** Byte order of the section. */
  readonly littleEndian: boolean;
  /** Format version: 2.4 for pcap, 1.0 for pcapng. */
  readonly majorVersion: number;
  /** See {@link CaptureSection.majorVersion}. */
  readonly minorVersion: number;
  /** pcapng's section length in bytes, -1n when not given (always -1n for pcap). */
  readonly sectionLength: bigint;
  /** `opt_comment` values, in order. */
  readonly comments: readonly string[];
  /** Every option of the block. */
  readonly options: readonly CaptureOption[];
}

/** The descriptive options of an Interface Description Block, the same decoded and to encode. */
export interface CaptureInterfaceDetails {
  /** `if_name`. */
  readonly name?: string;
  /** `if_description`. */
  readonly description?: string;
  /** `if_os`. */
  readonly os?: string;
  /** `if_hardware`. */
  readonly hardware?: string;
  /** `if_speed`, in bits per second. */
  readonly speed?: bigint;
  /**
   * `if_fcslen` (pcapng), or the pcap header's FCS length, in bytes: how many bytes of frame
   * check sequence end each packet.
   */
  readonly fcsLength?: number;
  /** `if_filter` as text, when its first byte says it is a libpcap filter expression (0). */
  readonly filter?: string;
}

/** An interface (pcapng Interface Description Block; the pcap file header's link type and snap length). */
export interface CaptureInterface extends CaptureInterfaceDetails {
  /** Discriminates the record kinds. */
  readonly type: 'interface';
  /** Index of the interface within its section, which packets refer to. */
  readonly id: number;
  /** LINKTYPE_ value (1 Ethernet, 101 raw IP, 113 Linux cooked, 227 SocketCAN...). */
  readonly linkType: number;
  /** Largest number of bytes captured per packet; 0 means no limit (pcapng). */
  readonly snapLen: number;
  /** Units of the packets' {@link CapturePacket.ticks}. */
  readonly tsResolution: TimestampResolution;
  /** `if_tsoffset`: seconds added to every timestamp of the interface. 0n when absent. */
  readonly tsOffset: bigint;
  /** `opt_comment` values. */
  readonly comments: readonly string[];
  /** Every option of the block (none for pcap). */
  readonly options: readonly CaptureOption[];
}

/** Which block or record carried a packet. */
export type PacketBlockKind = 'pcap' | 'epb' | 'spb' | 'pb';

/** The options of an Enhanced Packet Block, the same decoded and to encode (pcapng only). */
export interface CapturePacketDetails {
  /** `epb_flags`: direction (bits 0-1: 1 inbound, 2 outbound), reception type (bits 2-4), FCS length (bits 5-8), link-layer errors (bits 16-31). */
  readonly flags?: number;
  /** `epb_dropcount`, or the obsolete Packet Block's drops count. */
  readonly dropCount?: bigint;
  /** `epb_packetid`. */
  readonly packetId?: bigint;
  /** `epb_queue`. */
  readonly queue?: number;
}

/** A captured packet. */
export interface CapturePacket extends CapturePacketDetails {
  /** Discriminates the record kinds. */
  readonly type: 'packet';
  /** The interface it was captured on (0 for pcap and for Simple Packet Blocks). */
  readonly interfaceId: number;
  /** The interface's link type, repeated here for convenience. */
  readonly linkType: number;
  /**
   * Capture time in nanoseconds since the Unix epoch, `if_tsoffset` included. Exact for
   * resolutions of a nanosecond or coarser in base 10; otherwise rounded down, and
   * {@link CapturePacket.ticks} holds the exact value. 0n for Simple Packet Blocks, which have none.
   */
  readonly timestamp: bigint;
  /** The timestamp as stored, in units of the interface's {@link CaptureInterface.tsResolution}, without `if_tsoffset`. */
  readonly ticks: bigint;
  /**
   * The captured bytes. A view into the chunk the decoder was given when the packet lay within
   * one chunk: copy it if that chunk's memory will be reused.
   */
  readonly data: Uint8Array;
  /** Length of the packet on the wire; more than `data.length` when the capture was truncated. */
  readonly originalLength: number;
  /** The block that carried it. */
  readonly block: PacketBlockKind;
  /** `opt_comment` values. */
  readonly comments: readonly string[];
  /** Every option of the block. */
  readonly options: readonly CaptureOption[];
}

/** The counters of an Interface Statistics Block, the same decoded and to encode. */
export interface CaptureStatisticsCounters {
  /** `isb_starttime`, in nanoseconds. */
  readonly startTime?: bigint;
  /** `isb_endtime`, in nanoseconds. */
  readonly endTime?: bigint;
  /** `isb_ifrecv`: packets received by the interface. */
  readonly received?: bigint;
  /** `isb_ifdrop`: packets the interface dropped. */
  readonly interfaceDropped?: bigint;
  /** `isb_filteraccept`: packets the filter accepted. */
  readonly filterAccepted?: bigint;
  /** `isb_osdrop`: packets the operating system dropped (the kernel's drop count). */
  readonly osDropped?: bigint;
  /** `isb_usrdeliv`: packets delivered to the user. */
  readonly delivered?: bigint;
}

/** pcapng Interface Statistics Block. */
export interface CaptureStatistics extends CaptureStatisticsCounters {
  /** Discriminates the record kinds. */
  readonly type: 'statistics';
  /** The interface counted. */
  readonly interfaceId: number;
  /** When the counters were taken, in nanoseconds since the epoch (see {@link CapturePacket.timestamp}). */
  readonly timestamp: bigint;
  /** {@link CaptureStatistics.timestamp} as stored. */
  readonly ticks: bigint;
  /** `opt_comment` values. */
  readonly comments: readonly string[];
  /** Every option of the block. */
  readonly options: readonly CaptureOption[];
}

/**
 * A pcapng block the decoder does not interpret (Name Resolution, Decryption Secrets, custom
 * blocks, future types), emitted only with `unknownBlocks: 'emit'`; skipped otherwise.
 */
export interface CaptureBlock {
  /** Discriminates the record kinds. */
  readonly type: 'block';
  /** The block type number. */
  readonly blockType: number;
  /** The block body, between its length fields, padding included. */
  readonly body: Uint8Array;
  /** Byte order of its section, to read the body with. */
  readonly littleEndian: boolean;
}

/** Anything a capture decoder emits. */
export type CaptureRecord = CaptureSection | CaptureInterface | CapturePacket | CaptureStatistics | CaptureBlock;

/** What an encoder needs to start a section. All fields are optional. */
export interface CaptureSectionInit extends CaptureSectionDetails {
  /** Discriminates the record kinds. */
  readonly type?: 'section';
  /** `opt_comment` values. */
  readonly comments?: readonly string[];
  /**
   * Options written as given, in this order. A typed field is written only when no option here
   * has its code, so a decoded record encodes back to the same options.
   */
  readonly options?: readonly CaptureOption[];
}

/** What an encoder needs to describe an interface. */
export interface CaptureInterfaceInit extends CaptureInterfaceDetails {
  /** Discriminates the record kinds. */
  readonly type?: 'interface';
  /** LINKTYPE_ value. */
  readonly linkType: number;
  /** Largest bytes captured per packet. Default 262144 (tcpdump's); longer data is cut to it when written. */
  readonly snapLen?: number;
  /**
   * pcapng: the timestamp units, default `{ base: 10, exponent: 9 }` (nanoseconds; pcapng's own
   * default of microseconds is used only when the option is absent from a file). pcap: base 10
   * with exponent 6 or less makes a microsecond file, anything else a nanosecond file, unless
   * the encoder's `nanosecond` option says otherwise.
   */
  readonly tsResolution?: TimestampResolution;
  /** `if_tsoffset` in seconds. */
  readonly tsOffset?: bigint;
  /** `opt_comment` values. */
  readonly comments?: readonly string[];
  /** See {@link CaptureSectionInit.options}. */
  readonly options?: readonly CaptureOption[];
}

/** What an encoder needs to write a packet ({@link CapturePacketDetails} are written to pcapng only). */
export interface CapturePacketInit extends CapturePacketDetails {
  /** Discriminates the record kinds. */
  readonly type?: 'packet';
  /** The interface it was captured on; default 0. */
  readonly interfaceId?: number;
  /** Capture time in nanoseconds since the Unix epoch. */
  readonly timestamp: bigint;
  /**
   * pcapng: the exact stored timestamp, in the interface's units (as decoded). Used instead of
   * converting {@link CapturePacketInit.timestamp} only when it converts to that same timestamp,
   * so a decoded packet with sub-nanosecond or base-2 ticks is written back exactly, while a
   * packet whose `timestamp` was changed is written with the new time.
   */
  readonly ticks?: bigint;
  /** The captured bytes (cut to the interface's snap length). */
  readonly data: Uint8Array;
  /** Length on the wire; default `data.length`. Must not be less than `data.length`. */
  readonly originalLength?: number;
  /** `opt_comment` values; pcapng only. */
  readonly comments?: readonly string[];
  /** See {@link CaptureSectionInit.options}; pcapng only. */
  readonly options?: readonly CaptureOption[];
}

/** What an encoder needs to write interface statistics (pcapng only; pcap has no place for them). */
export interface CaptureStatisticsInit extends CaptureStatisticsCounters {
  /** Discriminates the record kinds. */
  readonly type?: 'statistics';
  /** The interface counted. */
  readonly interfaceId: number;
  /** When the counters were taken, in nanoseconds since the epoch. */
  readonly timestamp: bigint;
  /** The exact stored timestamp, used as {@link CapturePacketInit.ticks} is. */
  readonly ticks?: bigint;
  /** `opt_comment` values. */
  readonly comments?: readonly string[];
  /** See {@link CaptureSectionInit.options}. */
  readonly options?: readonly CaptureOption[];
}

/**
 * Anything an encoder accepts; `type` tells which (decoded records can be passed back as they
 * are). Unknown blocks are written back as they were read (pcapng only).
 */
export type CaptureRecordInit =
  | (CaptureSectionInit & { readonly type: 'section' })
  | (CaptureInterfaceInit & { readonly type: 'interface' })
  | (CapturePacketInit & { readonly type: 'packet' })
  | (CaptureStatisticsInit & { readonly type: 'statistics' })
  | CaptureBlock;

/** pcap and pcapng numbers, for readers of raw option lists and block types. */
export const PcapngBlockType = {
  /** Section Header Block. */
  SECTION_HEADER: 0x0a0d0d0a,
  /** Interface Description Block. */
  INTERFACE_DESCRIPTION: 1,
  /** Obsolete Packet Block. */
  PACKET: 2,
  /** Simple Packet Block. */
  SIMPLE_PACKET: 3,
  /** Name Resolution Block. */
  NAME_RESOLUTION: 4,
  /** Interface Statistics Block. */
  INTERFACE_STATISTICS: 5,
  /** Enhanced Packet Block. */
  ENHANCED_PACKET: 6,
  /** Decryption Secrets Block. */
  DECRYPTION_SECRETS: 10,
} as const;

/** Option codes used by the typed fields (pcapng). Codes mean different things per block type. */
export const PcapngOption = {
  END_OF_OPT: 0,
  COMMENT: 1,
  SHB_HARDWARE: 2,
  SHB_OS: 3,
  SHB_USERAPPL: 4,
  IF_NAME: 2,
  IF_DESCRIPTION: 3,
  IF_SPEED: 8,
  IF_TSRESOL: 9,
  IF_FILTER: 11,
  IF_OS: 12,
  IF_FCSLEN: 13,
  IF_TSOFFSET: 14,
  IF_HARDWARE: 15,
  EPB_FLAGS: 2,
  EPB_DROPCOUNT: 4,
  EPB_PACKETID: 5,
  EPB_QUEUE: 6,
  ISB_STARTTIME: 2,
  ISB_ENDTIME: 3,
  ISB_IFRECV: 4,
  ISB_IFDROP: 5,
  ISB_FILTERACCEPT: 6,
  ISB_OSDROP: 7,
  ISB_USRDELIV: 8,
} as const;
