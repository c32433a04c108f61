// CAN receive cost in the kernel VM: receiver CPU time per frame draining COUNT (200,000) frames
// already waiting in its receive buffer (SO_RCVBUFFORCE): each receiver is started, stopped
// (SIGSTOP) once its socket is bound, cangen fills the buffer, and it is resumed (SIGCONT); its
// CPU from then to its exit is the cost (bench/lib/can-receive-launch.py). Receivers, same guest,
// same frames: rxsock's frames$ with default options (bench/lib/can-receive-rxsock.mjs),
// `candump -L > /dev/null`, and a python-can Bus.recv() loop.
//
// Two conditions, the same for every receiver. Warm (the reported ratios): the receiver has
// already taken WARM (20,480) frames and gone idle before it is stopped, as a long-running
// telemetry consumer has; what it costs per frame from then on is what such a user pays. Cold
// (in `extra`): stopped right after start-up, so the first 200,000 frames also pay for
// first-use work; for node that is compiling the hot path, which software emulation makes
// several seconds of CPU (V8 compiles ~50 functions on background threads), while candump, a C
// program, has none. Ratios against candump and against python-can. Goal: rxsock <= 1.0x
// candump's CPU per frame, >= 5x better than python-can. ROUNDS (default 3) runs of rxsock and
// candump in each condition, PY_ROUNDS (default 1) warm runs of python-can (one of its runs costs
// as much as ten of the others), the median of each taken.
// Run: pnpm bench can-receive (boots the kernel VM unless the host has vcan).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { median, report } from './report.mjs';

const COUNT = Number(process.env.COUNT ?? 200_000);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const PY_ROUNDS = Number(process.env.PY_ROUNDS ?? 1);
const RCVBUF = Number(process.env.RCVBUF ?? 512 << 20);
const WARM = Number(process.env.WARM ?? 20_480); // a multiple of 256: cangen's -D i byte goes on counting
const IFACE = 'rxbench0';
const PYTHON = '/usr/bin/python3';
const lib = (f) => fileURLToPath(new URL(`./lib/${f}`, import.meta.url));
const root = fileURLToPath(new URL('..', import.meta.url));

function hostHasVcan() {
  try {
    execFileSync('ip', ['link', 'add', 'dev', 'rxbenchprobe', 'type', 'vcan'], { stdio: 'ignore' });
    execFileSync('ip', ['link', 'del', 'rxbenchprobe'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

if (process.env.RXSOCK_KERNEL_VM !== '1' && !hostHasVcan()) {
  // This kernel has no CAN: run this same file in the kernel VM and pass its output through.
  const { runInKernelVm } = await import('@rxsock/testing');
  const r = await runInKernelVm({
    command: process.execPath,
    args: ['--expose-gc', fileURLToPath(import.meta.url)],
    env: { COUNT: String(COUNT), ROUNDS: String(ROUNDS), PY_ROUNDS: String(PY_ROUNDS), RCVBUF: String(RCVBUF), WARM: String(WARM) },
    stdout: process.stdout,
    stderr: process.stderr,
    timeoutMs: 1_800_000,
  });
  process.exit(r.exitCode);
}

for (const [what, path] of [['cangen/candump (can-utils)', '/usr/bin/candump'], ['python3-can', '/usr/lib/python3/dist-packages/can']]) {
  if (!existsSync(path)) {
    console.error(`can-receive needs ${what}: apt-get install ${what.startsWith('python') ? 'python3-can' : 'can-utils'}`);
    process.exit(1);
  }
}

execFileSync('ip', ['link', 'add', 'dev', IFACE, 'type', 'vcan']);
execFileSync('ip', ['link', 'set', IFACE, 'up']);

/** The command of receiver `name` taking `total` frames. */
const sides = {
  rxsock: { ready: 'line', cmd: (total) => [process.execPath, lib('can-receive-rxsock.mjs'), IFACE, String(total), String(RCVBUF)] },
  candump: { ready: 'rcvlist', cmd: (total) => ['sh', '-c', `exec candump -L -n ${total} -r ${RCVBUF} ${IFACE} > /dev/null`] },
  'python-can': { ready: 'line', cmd: (total) => [PYTHON, lib('can-receive-python-can.py'), IFACE, String(total), String(RCVBUF)] },
};

/** One run: us of CPU per frame for the COUNT frames after the stop (`warm` frames before it). */
function once(name, warm) {
  const { ready, cmd } = sides[name];
  const total = warm + COUNT;
  const r = spawnSync(PYTHON, [lib('can-receive-launch.py'), IFACE, String(COUNT), ready, '--warm', String(warm), '--', ...cmd(total)], { encoding: 'utf8', cwd: root, timeout: 900_000 });
  if (r.status !== 0) throw new Error(`${name}: launcher exited ${r.status}: ${r.stderr}${r.stdout}`);
  const result = JSON.parse(r.stdout.trim().split('\n').pop());
  if (result.exit !== 0) throw new Error(`${name} exited ${result.exit}: ${result.output}`);
  if (result.output) {
    const out = JSON.parse(result.output.split('\n').pop());
    if (out.received !== total || out.misordered !== 0) throw new Error(`${name}: ${JSON.stringify(out)}`);
  }
  return (result.cpu_s * 1e6) / COUNT;
}

try {
  const runs = { warm: { rxsock: [], candump: [], 'python-can': [] }, cold: { rxsock: [], candump: [] } };
  for (let round = 0; round < ROUNDS; round++) {
    for (const [condition, warm] of [['cold', 0], ['warm', WARM]]) {
      for (const name of Object.keys(runs[condition])) {
        if (name === 'python-can' && round >= PY_ROUNDS) continue;
        const v = once(name, warm);
        runs[condition][name].push(v);
        console.log(`round ${round + 1}, ${condition}: ${name} ${v.toFixed(2)} us CPU/frame`);
      }
    }
  }
  const m = Object.fromEntries(Object.entries(runs.warm).map(([k, v]) => [k, median(v)]));
  const cold = Object.fromEntries(Object.entries(runs.cold).map(([k, v]) => [k, median(v)]));
  const extra = {
    frames: COUNT,
    warmFrames: WARM,
    rounds: ROUNDS,
    pythonRounds: PY_ROUNDS,
    pythonCan: round3(m['python-can']),
    ratioVsPythonCan: round3(m['python-can'] / m.rxsock),
    cold: { rxsock: round3(cold.rxsock), candump: round3(cold.candump), ratio: round3(cold.candump / cold.rxsock) },
    runs,
  };
  report({ name: 'can-receive', unit: 'us CPU/frame (warm receiver)', rxsock: runs.warm.rxsock, peer: runs.warm.candump, peerName: 'candump -L', higherIsBetter: false, extra });
  report({ name: 'can-receive-python-can', unit: 'us CPU/frame (warm receiver)', rxsock: runs.warm.rxsock, peer: runs.warm['python-can'], peerName: 'python-can Bus.recv()', higherIsBetter: false, extra: { frames: COUNT, warmFrames: WARM, rounds: ROUNDS, pythonRounds: PY_ROUNDS } });
  report({ name: 'can-receive-cold', unit: 'us CPU/frame (just started)', rxsock: runs.cold.rxsock, peer: runs.cold.candump, peerName: 'candump -L', higherIsBetter: false, extra: { frames: COUNT, rounds: ROUNDS } });
} finally {
  execFileSync('ip', ['link', 'del', IFACE]);
}

function round3(x) {
  return Math.round(x * 1000) / 1000;
}
