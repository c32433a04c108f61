import { describe, expect, it } from 'vitest';
import { from, lastValueFrom, toArray } from 'rxjs';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { canFdFrame, canFrame, decodeSignals, encodeSignals, loadDbc, type CanFrame, type DbcError, type SignalsToEncode } from '@rxsock/can';

const db = loadDbc(readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'features.dbc'), 'utf8'));

const engine = canFrame({ id: 256, data: [0x10, 0x27, 0x5a, 0, 0x3e, 0x80, 0, 0x30] });
const unknown = canFrame({ id: 0x7ff, data: [1] });
const remote = canFrame({ id: 256, rtr: true, len: 8 });
const errorFrame = canFrame({ id: 0x4, error: true, data: [0, 0, 0, 0, 0, 0, 0, 0] });

describe('decodeSignals and encodeSignals', () => {
  it('decodes known frames and drops the rest by default', async () => {
    const out = await lastValueFrom(from<CanFrame[]>([engine, unknown, remote, errorFrame, engine]).pipe(decodeSignals(db), toArray()));
    expect(out.map((d) => d.message.name)).toEqual(['EngineData', 'EngineData']);
    expect(out[0]!.frame).toBe(engine);
    expect(out[0]!.values).toEqual({ EngineSpeed: 2500, CoolantTemp: 50, ThrottlePos: 100, Gear: 3 });
  });

  it('passes undecodable frames on when asked', async () => {
    const out = await lastValueFrom(from<CanFrame[]>([unknown, engine, remote]).pipe(decodeSignals(db, { unknown: 'pass' }), toArray()));
    expect(out.map((d) => d.message?.name)).toEqual([undefined, 'EngineData', undefined]);
    expect(out[0]!.frame).toBe(unknown);
  });

  it('encodes values into classic and FD frames that decode back', async () => {
    const frames = await lastValueFrom(
      from<SignalsToEncode[]>([
        { message: 'EngineData', values: { EngineSpeed: 800, CoolantTemp: 80, ThrottlePos: 12.5, Gear: 'Neutral' } },
        { message: 1024, values: { Wide: 7, Far: 9 } },
      ]).pipe(encodeSignals(db), toArray()),
    );
    expect(frames[0]).toEqual(canFrame({ id: 256, data: db.encode('EngineData', { EngineSpeed: 800, CoolantTemp: 80, ThrottlePos: 12.5, Gear: 2 }).data }));
    expect(frames[1]!.kind).toBe('fd');
    expect(frames[1]).toEqual(canFdFrame({ id: 1024, data: frames[1]!.data }));
    const back = await lastValueFrom(from(frames).pipe(decodeSignals(db), toArray()));
    expect(back[0]!.values).toEqual({ EngineSpeed: 800, CoolantTemp: 80, ThrottlePos: 12.5, Gear: 2 });
    expect(back[1]!.values).toEqual({ Wide: 7, Far: 9 });
  });

  it('ends the stream with the typed error of a value that does not fit', async () => {
    const run = lastValueFrom(from<SignalsToEncode[]>([{ message: 'EngineData', values: { EngineSpeed: -5, CoolantTemp: 0, ThrottlePos: 0, Gear: 0 } }]).pipe(encodeSignals(db)));
    await expect(run).rejects.toMatchObject({ code: 'ERR_RXSOCK_DBC_RANGE' } satisfies Partial<DbcError>);
  });
});
