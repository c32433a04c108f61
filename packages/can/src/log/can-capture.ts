/**
 * CAN traffic in pcap and pcapng files (LINKTYPE_CAN_SOCKETCAN), on top of core's generic
 * capture-file container: frames or log entries to capture records and back, streaming.
 */
import type { Writable } from 'node:stream';
import {
  CaptureFileWriter,
  createCaptureEncoder,
  createCaptureFile,
  decodeCaptureStream,
  readCaptureFile,
  type CaptureRecord,
  type CaptureRecordInit,
} from '@rxsock/core';
import type { CanFrame } from '../codec/frame.js';
import { decodeCanRecord, encodeCanRecord, LINKTYPE_CAN_SOCKETCAN } from './can-record.js';
import { CanLogError } from './errors.js';
import type { CandumpLineSource, CandumpLogEntry } from './log-line.js';

/** Options of {@link canCaptureRecords} and {@link writeCanCapture}. */
export interface CanCaptureOptions {
  /** `'pcapng'` (default: one interface block per interface name, direction flags) or `'pcap'` (one link type, no names). */
  format?: 'pcap' | 'pcapng';
}

/** Options of {@link readCanCapture}. */
export interface ReadCanCaptureOptions {
  /** Interface name given to packets of a pcap file or an unnamed pcapng interface. Default `'can0'`. */
  interfaceName?: string;
  /** What to do with packets of another link type: `'error'` (default) or `'skip'`. */
  otherLinkTypes?: 'error' | 'skip';
}

function isEntry(item: CandumpLineSource): item is CandumpLogEntry {
  return 'frame' in item;
}

/**
 * The capture records (interface descriptions, then packets) for a sequence of frames or log
 * entries. pcapng gets one interface per interface name, in order of appearance, and each
 * packet's direction in `epb_flags` (1 inbound, 2 outbound) when the entry has one.
 */
export async function* canCaptureRecords(
  items: Iterable<CandumpLineSource> | AsyncIterable<CandumpLineSource>,
  options: CanCaptureOptions = {},
): AsyncGenerator<CaptureRecordInit, void, undefined> {
  const pcapng = (options.format ?? 'pcapng') === 'pcapng';
  const ids = new Map<string, number>();
  let described = false;
  for await (const item of items) {
    const frame: CanFrame = isEntry(item) ? item.frame : item;
    let interfaceId = 0;
    if (pcapng) {
      const known = ids.get(item.interfaceName);
      if (known === undefined) {
        interfaceId = ids.size;
        ids.set(item.interfaceName, interfaceId);
        yield { type: 'interface', linkType: LINKTYPE_CAN_SOCKETCAN, name: item.interfaceName, tsResolution: { base: 10, exponent: 9 } };
      } else interfaceId = known;
    } else if (!described) {
      described = true;
      yield { type: 'interface', linkType: LINKTYPE_CAN_SOCKETCAN };
    }
    const direction = isEntry(item) ? item.direction : item.local === undefined ? undefined : item.local ? 'T' : 'R';
    yield {
      type: 'packet',
      interfaceId,
      timestamp: BigInt(item.timestampSec) * 1_000_000_000n + BigInt(item.timestampNsec),
      data: encodeCanRecord(frame),
      ...(pcapng && direction !== undefined ? { flags: direction === 'T' ? 2 : 1 } : {}),
    };
  }
}

/**
 * Writes frames or log entries to a pcap or pcapng file (or any writable stream), waiting for
 * the destination to drain, so memory stays bounded whatever the count.
 * @returns The number of frames written.
 */
export async function writeCanCapture(
  destination: string | Writable,
  items: Iterable<CandumpLineSource> | AsyncIterable<CandumpLineSource>,
  options: CanCaptureOptions = {},
): Promise<number> {
  const format = options.format ?? 'pcapng';
  const file =
    typeof destination === 'string'
      ? createCaptureFile(destination, format === 'pcap' ? { format, linkType: LINKTYPE_CAN_SOCKETCAN } : { format })
      : new CaptureFileWriter(destination, createCaptureEncoder(format === 'pcap' ? { format, linkType: LINKTYPE_CAN_SOCKETCAN } : { format }));
  let frames = 0;
  try {
    for await (const record of canCaptureRecords(items, options)) {
      if (record.type === 'packet') frames++;
      if (!file.write(record)) await file.drain();
    }
  } catch (err) {
    if (typeof destination === 'string') file.stream.destroy();
    throw err;
  }
  if (typeof destination === 'string') await file.close();
  return frames;
}

/**
 * The CAN frames of a pcap or pcapng file (a path, or chunks of one) as log entries: time,
 * interface name (`if_name` of pcapng, else `options.interfaceName`), frame, and the direction
 * when `epb_flags` has one. Reads one chunk at a time.
 *
 * @throws `CaptureFileError` for a bad container; {@link CanLogError} for a bad CAN record
 * or (by default) a packet of another link type.
 */
export async function* readCanCapture(
  source: string | AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  options: ReadCanCaptureOptions = {},
): AsyncGenerator<CandumpLogEntry, void, undefined> {
  const fallback = options.interfaceName ?? 'can0';
  const names = new Map<number, string>();
  const records: AsyncIterable<CaptureRecord> = typeof source === 'string' ? readCaptureFile(source) : decodeCaptureStream(source);
  for await (const record of records) {
    if (record.type === 'section') names.clear();
    else if (record.type === 'interface') names.set(record.id, record.name ?? fallback);
    else if (record.type === 'packet') {
      if (record.linkType !== LINKTYPE_CAN_SOCKETCAN) {
        if (options.otherLinkTypes === 'skip') continue;
        throw new CanLogError(`packet of link type ${record.linkType} is not LINKTYPE_CAN_SOCKETCAN (227)`, 0, '');
      }
      const frame = decodeCanRecord(record.data);
      const ns = record.timestamp;
      const dir = record.flags === undefined ? 0 : record.flags & 3;
      yield {
        frame,
        interfaceName: names.get(record.interfaceId) ?? fallback,
        timestampSec: Number(ns / 1_000_000_000n),
        timestampNsec: Number(ns % 1_000_000_000n),
        ...(dir === 1 ? { direction: 'R' as const } : dir === 2 ? { direction: 'T' as const } : {}),
      };
    }
  }
}
