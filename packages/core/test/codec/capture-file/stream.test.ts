import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { from, lastValueFrom, toArray } from 'rxjs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CaptureFileError,
  CaptureFileErrorCode,
  CaptureFileWriter,
  PcapngEncoder,
  captureRecords,
  createCaptureFile,
  encodeCapture,
  readCaptureFile,
  writeCaptureFile,
  type CapturePacket,
  type CaptureRecordInit,
} from '../../../src/index.js';
import { concat, hex } from './arbitraries.js';

const dir = mkdtempSync(join(tmpdir(), 'rxsock-capture-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function* packets(n: number, size = 100): Generator<CaptureRecordInit> {
  yield { type: 'interface', linkType: 1, name: 'eth0' };
  for (let i = 0; i < n; i++) {
    const data = new Uint8Array(size);
    new DataView(data.buffer).setUint32(0, i);
    yield { type: 'packet', timestamp: 1_700_000_000_000_000_000n + BigInt(i) * 1000n, data };
  }
}

describe('capture streams', () => {
  it('an Observable of chunks decodes to records, and records encode to chunks', async () => {
    const chunks = await lastValueFrom(from([...packets(50)]).pipe(encodeCapture(() => new PcapngEncoder()), toArray()));
    const whole = concat(chunks);
    // Re-chunk at 7 bytes: records span chunks.
    const sevens = Array.from({ length: Math.ceil(whole.length / 7) }, (_, i) => whole.slice(i * 7, i * 7 + 7));
    const records = await lastValueFrom(from(sevens).pipe(captureRecords(), toArray()));
    const got = records.filter((r): r is CapturePacket => r.type === 'packet');
    expect(got.map((p) => new DataView(p.data.buffer, p.data.byteOffset).getUint32(0))).toEqual([...Array(50).keys()]);
    expect(records[1]).toMatchObject({ type: 'interface', name: 'eth0' });
  });

  it('the operator errors with a typed error on a truncated stream, after the records before it', async () => {
    const bytes = concat(await lastValueFrom(from([...packets(3)]).pipe(encodeCapture(() => new PcapngEncoder()), toArray())));
    const seen: string[] = [];
    const err = await new Promise<unknown>((resolve) => {
      from([bytes.subarray(0, bytes.length - 3)])
        .pipe(captureRecords())
        .subscribe({ next: (r) => seen.push(r.type), error: resolve, complete: () => resolve(undefined) });
    });
    expect(err).toBeInstanceOf(CaptureFileError);
    expect((err as CaptureFileError).code).toBe(CaptureFileErrorCode.TRUNCATED);
    expect(seen).toEqual(['section', 'interface', 'packet', 'packet']);
  });

  it('writes a file with writeCaptureFile and reads it back as an async iterable', async () => {
    const path = join(dir, 'many.pcapng');
    const n = await writeCaptureFile(path, packets(5000), { format: 'pcapng' });
    expect(n).toBe(5001);
    let count = 0;
    let last = -1;
    for await (const r of readCaptureFile(path, { readSize: 4096 })) {
      if (r.type !== 'packet') continue;
      const i = new DataView(r.data.buffer, r.data.byteOffset).getUint32(0);
      expect(i).toBe(last + 1);
      expect(r.timestamp).toBe(1_700_000_000_000_000_000n + BigInt(i) * 1000n);
      last = i;
      count++;
    }
    expect(count).toBe(5000);
  });

  it('pcap files too, and breaking out of the loop stops reading', async () => {
    const path = join(dir, 'many.pcap');
    await writeCaptureFile(path, packets(1000), { format: 'pcap', nanosecond: true });
    expect(hex(readFileSync(path).subarray(0, 4))).toBe('4d3cb2a1');
    let n = 0;
    for await (const r of readCaptureFile(path)) {
      if (r.type === 'packet' && ++n === 10) break;
    }
    expect(n).toBe(10);
  });

  it('a record over maxRecordSize fails the iteration before it is buffered', async () => {
    const path = join(dir, 'big.pcapng');
    await writeCaptureFile(path, packets(3, 100_000), { format: 'pcapng' });
    const types: string[] = [];
    const err = await (async () => {
      try {
        for await (const r of readCaptureFile(path, { maxRecordSize: 65536, readSize: 1024 })) types.push(r.type);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toMatchObject({ code: CaptureFileErrorCode.TOO_LARGE });
    expect(types).toEqual(['section', 'interface']);
  });

  it('a bad file fails the iteration with a typed error', async () => {
    const path = join(dir, 'bad.pcap');
    writeFileSync(path, 'this is not a capture file');
    await expect(async () => {
      for await (const _ of readCaptureFile(path)) void _;
    }).rejects.toMatchObject({ code: CaptureFileErrorCode.DECODE });
  });

  it('the writer waits for a slow stream: memory held stays near its high-water mark', async () => {
    const received: Uint8Array[] = [];
    let maxPending = 0;
    const slow = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Uint8Array, _enc, cb) {
        received.push(chunk);
        maxPending = Math.max(maxPending, slow.writableLength);
        setTimeout(cb, 1);
      },
    });
    const writer = new CaptureFileWriter(slow, new PcapngEncoder());
    let sawFull = false;
    const source = async function* () {
      for (const r of packets(400, 1000)) {
        sawFull ||= slow.writableNeedDrain;
        yield r;
      }
    };
    expect(await writer.writeAll(source())).toBe(401);
    await writer.close();
    expect(sawFull).toBe(false); // writeAll never hands over a record while the stream is full
    expect(maxPending).toBeLessThanOrEqual(16 * 1024 + 1100);
    const n = concat(received).length;
    expect(n).toBeGreaterThan(400 * 1000);
  });

  it('write() says when to wait, and refuses a bad record without writing anything', async () => {
    const path = join(dir, 'manual.pcapng');
    const file = createCaptureFile(path, { format: 'pcapng', highWaterMark: 1024 });
    expect(file.write({ type: 'interface', linkType: 1 })).toBe(true);
    expect(() => file.write({ type: 'packet', interfaceId: 3, timestamp: 0n, data: new Uint8Array(1) })).toThrow(CaptureFileError);
    expect(file.write({ type: 'packet', timestamp: 0n, data: new Uint8Array(2000) })).toBe(false);
    await file.drain();
    await file.close();
    const kinds: string[] = [];
    for await (const r of readCaptureFile(path)) kinds.push(r.type);
    expect(kinds).toEqual(['section', 'interface', 'packet']);
  });

  it("a file that cannot be opened rejects close() and writeCaptureFile with the system's error, and crashes nothing", async () => {
    const file = createCaptureFile(join(dir, 'missing', 'x.pcap'), { format: 'pcap', linkType: 1 });
    file.write({ type: 'packet', timestamp: 0n, data: new Uint8Array(4) });
    await expect(file.close()).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(writeCaptureFile(join(dir, 'missing', 'y.pcapng'), packets(3), { format: 'pcapng' })).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
