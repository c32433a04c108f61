// DBC decoding on the host: frames decoded into physical values per CPU-second, @rxsock/can's
// loadDbc(...).decode against candied's own Dbc().load + Can.decode, same database, same frames,
// same process (alternating rounds; median of ROUNDS). The database (bench/lib/can-dbc-generate.mjs)
// has 64 messages and about 700 signals, multiplexed messages, Intel and Motorola, standard and
// extended ids. Both sides touch every decoded value so neither can skip work.
// Also printed: how long each takes to load the database, and where the two disagree.
// Env: ROUNDS (default 7), SECONDS (CPU-seconds per side per round, default 0.5).
import { createRequire } from 'node:module';
import { loadDbc } from '@rxsock/can';
import { generateDbc, generateFrames } from './lib/can-dbc-generate.mjs';
import { report } from './report.mjs';

const ROUNDS = Number(process.env.ROUNDS ?? 7);
const SECONDS = Number(process.env.SECONDS ?? 0.5);
const require = createRequire(import.meta.url);
const { Dbc, Can } = require('candied');

const { text, messages, signalCount } = generateDbc();
const frames = generateFrames(messages, 4096);

const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

function timeLoad(fn, n) {
  const t0 = cpu();
  for (let i = 0; i < n; i++) fn();
  return ((cpu() - t0) / n) * 1e3;
}

const db = loadDbc(text);
const candiedData = new Dbc().load(text);
const can = new Can();
can.database = candiedData;
// candied keys messages by the BO_ id as written (bit 31 marks extended ids there).
const candiedFrames = frames.map((f) => ({ id: f.extended ? (f.id | 0x80000000) >>> 0 : f.id, dlc: 8, isExtended: f.extended, payload: [...f.data] }));

let sink = 0;
function rxsockRun(seconds) {
  const t0 = cpu();
  let n = 0;
  do {
    for (let i = 0; i < frames.length; i++) {
      const d = db.decode(frames[i]);
      for (const k in d.values) sink += d.values[k];
    }
    n += frames.length;
  } while (cpu() - t0 < seconds);
  return n / (cpu() - t0);
}
function candiedRun(seconds) {
  const t0 = cpu();
  let n = 0;
  do {
    for (let i = 0; i < candiedFrames.length; i++) {
      const d = can.decode(candiedFrames[i]);
      for (const s of d.boundSignals.values()) sink += s.value;
    }
    n += candiedFrames.length;
  } while (cpu() - t0 < seconds);
  return n / (cpu() - t0);
}

// Where the two disagree (multiplexing, Motorola, extended ids), counted over one pass.
let compared = 0;
let differ = 0;
let candiedExtraSignals = 0;
for (let i = 0; i < frames.length; i++) {
  const ours = db.decode(frames[i]).values;
  const theirs = can.decode(candiedFrames[i]);
  for (const [name, s] of theirs.boundSignals) {
    if (!(name in ours)) {
      candiedExtraSignals++;
      continue;
    }
    compared++;
    if (Math.abs(s.value - ours[name]) > 1e-9 * Math.max(1, Math.abs(ours[name])) && !(Number.isNaN(s.value) && Number.isNaN(ours[name]))) differ++;
  }
}

rxsockRun(0.3);
candiedRun(0.3);
const ours = [];
const theirs = [];
for (let r = 0; r < ROUNDS; r++) {
  ours.push(rxsockRun(SECONDS));
  theirs.push(candiedRun(SECONDS));
}
const loadOurs = timeLoad(() => loadDbc(text), 20);
const loadTheirs = timeLoad(() => new Dbc().load(text), 5);
const spread = (xs) => `${Math.round(Math.min(...xs))}-${Math.round(Math.max(...xs))}`;
console.log(`database: ${messages.length} messages, ${signalCount} signals; frames: ${frames.length} distinct, cycled`);
console.log(`rounds: rxsock ${spread(ours)} frames/CPU-s, candied ${spread(theirs)} frames/CPU-s`);
console.log(`load: rxsock ${loadOurs.toFixed(2)} ms, candied ${loadTheirs.toFixed(2)} ms`);
console.log(`agreement: ${compared - differ} of ${compared} signal values equal; candied decoded ${candiedExtraSignals} values of multiplexed pages the switch did not select`);
report({
  name: 'can-decode',
  unit: 'frames/CPU-s',
  rxsock: ours,
  peer: theirs,
  peerName: 'candied',
  higherIsBetter: true,
  extra: { messages: messages.length, signals: signalCount, disagreements: differ, sink: sink === 0 ? 0 : 1 },
});
