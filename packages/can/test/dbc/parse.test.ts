import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DbcError, loadDbc, loadDbcFile, parseDbc } from '@rxsock/can';

const fixture = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'features.dbc');
const text = readFileSync(fixture, 'utf8');

describe('DBC parsing', () => {
  const db = loadDbc(text);

  it('reads messages with standard and extended ids, sizes, senders and transmitters', () => {
    expect(db.version).toBe('1.2.3');
    expect(db.messages.map((m) => m.name)).toEqual(['EngineData', 'ExtendedStatus', 'Multiplexed', 'ExtMux', 'Floats', 'FdMessage']);
    const ext = db.message('ExtendedStatus');
    expect(ext).toMatchObject({ id: 0x18fef1fe, extended: true, size: 8, sender: 'Gateway', fd: false });
    expect(db.find(0x18fef1fe, true)?.name).toBe('ExtendedStatus');
    expect(db.find(0x18fef1fe, false)).toBeUndefined();
    expect(db.message('EngineData').transmitters).toEqual(['Engine', 'Gateway']);
    expect(db.nodes.map((n) => n.name)).toEqual(['Engine', 'Gateway', 'Dash']);
  });

  it('reads every field of a signal', () => {
    expect(db.signal('EngineData', 'EngineSpeed')).toMatchObject({
      startBit: 0, length: 16, byteOrder: 'little_endian', signed: false, valueType: 'integer',
      factor: 0.25, offset: 0, minimum: 0, maximum: 16383.75, unit: 'rpm', receivers: ['Gateway', 'Dash'],
      comment: 'Crankshaft speed', isMultiplexer: false, multiplexedBy: undefined,
    });
    expect(db.signal('EngineData', 'CoolantTemp')).toMatchObject({ signed: true, offset: -40, minimum: -40, maximum: 215, unit: 'degC' });
    expect(db.signal('EngineData', 'ThrottlePos').byteOrder).toBe('big_endian');
    expect([...db.signal('EngineData', 'Gear').choices!]).toEqual([[0, 'Park'], [1, 'Reverse'], [2, 'Neutral'], [3, 'Drive']]);
    expect([...db.valueTables.get('GearTable')!.values()]).toEqual(['Park', 'Reverse', 'Neutral', 'Drive']);
  });

  it('reads plain and extended multiplexing', () => {
    expect(db.signal('Multiplexed', 'Mux').isMultiplexer).toBe(true);
    expect(db.signal('Multiplexed', 'SensorB').multiplexedBy).toEqual({ multiplexer: 'Mux', values: [[1, 1]] });
    expect(db.signal('Multiplexed', 'Common').multiplexedBy).toBeUndefined();
    expect(db.signal('ExtMux', 'Inner')).toMatchObject({ isMultiplexer: true, multiplexedBy: { multiplexer: 'Top', values: [[1, 1]] } });
    expect(db.signal('ExtMux', 'Leaf').multiplexedBy).toEqual({ multiplexer: 'Inner', values: [[2, 2], [5, 6]] });
    expect(db.signal('ExtMux', 'Other').multiplexedBy).toEqual({ multiplexer: 'Top', values: [[3, 4]] });
  });

  it('reads float and double value types, attributes with enum names and defaults, comments', () => {
    expect(db.signal('Floats', 'F32').valueType).toBe('float');
    expect(db.signal('Floats', 'F64').valueType).toBe('double');
    expect(db.message('EngineData').attributes.get('GenMsgCycleTime')).toBe(100);
    expect(db.message('FdMessage').attributes.get('VFrameFormat')).toBe('StandardCAN_FD');
    expect(db.message('FdMessage').fd).toBe(true);
    expect(db.signal('EngineData', 'CoolantTemp').attributes.get('GenSigStartValue')).toBe(40);
    expect(db.attributes.get('BusType')).toBe('CAN FD');
    expect(db.attributeDefinitions.find((d) => d.name === 'BusType')?.default).toBe('CAN');
    expect(db.message('EngineData').comment).toBe('Engine status, 100 ms');
    expect(db.nodes[0]!.comment).toBe('The engine ECU');
  });

  it('loads a file from disk, Latin-1 text included', async () => {
    const fromFile = await loadDbcFile(fixture);
    expect(fromFile.messages.length).toBe(6);
  });

  it('skips sections that do not change decoding', () => {
    const withExtras = `${text}\nEV_ Env1: 0 [0|100] "" 0 1 DUMMY_NODE_VECTOR0 Vector__XXX;\nSIG_GROUP_ 256 Group1 1 : EngineSpeed Gear;\nBA_DEF_REL_ BU_SG_REL_ "Rel" INT 0 1;\nBA_DEF_DEF_REL_ "Rel" 0;\n`;
    expect(loadDbc(withExtras).messages.length).toBe(6);
  });
});

describe('malformed DBC files', () => {
  const cases: [string, string, number, number][] = [
    ['a signal without its colon', 'BO_ 1 M: 8 N\n SG_ S 0|8@1+ (1,0) [0|0] "" N\n', 2, 8],
    ['a bad byte order', 'BO_ 1 M: 8 N\n SG_ S : 0|8@2+ (1,0) [0|0] "" N\n', 2, 14],
    ['an unterminated string', 'VERSION "abc\n', 1, 9],
    ['an unknown keyword', 'VERSION ""\nFOO 1 2;\n', 2, 1],
    ['a standard id above 0x7FF without the extended bit', 'BO_ 4096 M: 8 N\n', 1, 5],
    ['a signal outside a message', 'SG_ S : 0|8@1+ (1,0) [0|0] "" N\n', 1, 1],
    ['a stray character', 'BO_ 1 M: 8 N\n SG_ S : 0|8@1+ (1,0) [0|0] "" N\n$\n', 3, 1],
    ['a missing semicolon at the end', 'CM_ "x"', 1, 5],
    ['a length of 65 bits', 'BO_ 1 M: 8 N\n SG_ S : 0|65@1+ (1,0) [0|0] "" N\n', 2, 12],
    ['a float of 16 bits', 'BO_ 1 M: 8 N\n SG_ S : 0|16@1+ (1,0) [0|0] "" N\nSIG_VALTYPE_ 1 S : 1;\n', 3, 14],
  ];
  for (const [what, source, line, column] of cases) {
    it(`${what}: a typed error with line ${line} and column ${column}`, () => {
      let caught: unknown;
      try {
        parseDbc(source);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(DbcError);
      expect(caught).toMatchObject({ code: 'ERR_RXSOCK_DBC_SYNTAX', line, column });
    });
  }
});

describe('arbitrary text', () => {
  const onlyDbcErrors = (source: string): void => {
    try {
      loadDbc(source);
    } catch (err) {
      if (!(err instanceof DbcError)) throw err;
      expect(err.code).toMatch(/^ERR_RXSOCK_DBC_/);
      if (err.code === 'ERR_RXSOCK_DBC_SYNTAX' && err.line !== undefined) {
        expect(err.line).toBeGreaterThanOrEqual(1);
        expect(err.line).toBeLessThanOrEqual(source.split('\n').length);
      }
    }
  };

  it('gives a DbcError or a database, never another exception', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), onlyDbcErrors), { numRuns: 3000 });
  });

  it('survives every cut, deletion and insertion of a real file', () => {
    const pieces = fc.constantFrom(' ', '\n', ':', ';', '|', '@', '"', '(', ')', '[', ']', ',', '-', '+', 'SG_ ', 'BO_ ', 'M ', 'm1 ', '99999999999 ', '1-2');
    fc.assert(
      fc.property(fc.nat(text.length), fc.nat(40), pieces, fc.boolean(), (at, cut, insert, truncate) => {
        onlyDbcErrors(truncate ? text.slice(0, at) : text.slice(0, at) + insert + text.slice(Math.min(text.length, at + cut)));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('a found case', () => {
  it('SG_MUL_VAL_ without a range is a syntax error, not a broken decoder', () => {
    const source = 'BO_ 1 M: 8 N\n SG_ A M : 0|4@1+ (1,0) [0|0] "" N\n SG_ B m1 : 8|8@1+ (1,0) [0|0] "" N\nSG_MUL_VAL_ 1 B A ;\n';
    expect(() => loadDbc(source)).toThrow(expect.objectContaining({ code: 'ERR_RXSOCK_DBC_SYNTAX', line: 4 }));
  });
});
