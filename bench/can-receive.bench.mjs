// CAN receive cost in the kernel VM: receiver CPU time per frame draining COUNT (200,000) frames
// already waiting in its receive buffer (SO_RCVBUFFORCE): each receiver is started, stopped
// (SIGSTOP) once its socket is bound, cangen fills the buffer, and it is resumed (SIGCONT); its
// CPU from then to its exit is the cost (bench/lib/can-receive-launch.py). Receivers, same guest,
// same frames: rxsock's frames$ with default options (bench/lib/can-receive-rxsock.mjs),
// `candump -L > /dev/null`, and a python-can Bus.recv() loop. Ratios against candump (the
// reported one) and against python-can. Goal: rxsock <= 1.0x candump's CPU per frame, >= 5x
// better than python-can. ROUNDS (default 3) runs of rxsock and candump, PY_ROUNDS (default 1)
// of python-can (one of its runs costs as much as ten of the others), the median of each taken.
// Run: pnpm bench can-receive (boots the kernel VM unless the host has vcan).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { median, report } from './report.mjs';

const COUNT = Number(process.env.COUNT ?? 200_000);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const PY_ROUNDS = Number(process.env.PY_ROUNDS ?? 1);
const RCVBUF = Number(process.env.RCVBUF ?? 512 << 20);
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
    env: { COUNT: String(COUNT), ROUNDS: String(ROUNDS), PY_ROUNDS: String(PY_ROUNDS), RCVBUF: String(RCVBUF) },
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

const sides = {
  rxsock: { ready: 'line', cmd: [process.execPath, lib('can-receive-rxsock.mjs'), IFACE, String(COUNT), String(RCVBUF)] },
  candump: { ready: 'rcvlist', cmd: ['sh', '-c', `exec candump -L -n ${COUNT} -r ${RCVBUF} ${IFACE} > /dev/null`] },
  'python-can': { ready: 'line', cmd: [PYTHON, lib('can-receive-python-can.py'), IFACE, String(COUNT), String(RCVBUF)] },
};

function once(name) {
  const { ready, cmd } = sides[name];
  const r = spawnSync(PYTHON, [lib('can-receive-launch.py'), IFACE, String(COUNT), ready, '--', ...cmd], { encoding: 'utf8', cwd: root, timeout: 900_000 });
  if (r.status !== 0) throw new Error(`${name}: launcher exited ${r.status}: ${r.stderr}${r.stdout}`);
  const result = JSON.parse(r.stdout.trim().split('\n').pop());
  if (result.exit !== 0) throw new Error(`${name} exited ${result.exit}: ${result.output}`);
  if (result.output) {
    const out = JSON.parse(result.output.split('\n').pop());
    if (out.received !== COUNT || out.misordered !== 0) throw new Error(`${name}: ${JSON.stringify(out)}`);
  }
  return (result.cpu_s * 1e6) / COUNT;
}

try {
  const us = { rxsock: [], candump: [], 'python-can': [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of Object.keys(sides)) {
      if (name === 'python-can' && round >= PY_ROUNDS) continue;
      const v = once(name);
      us[name].push(v);
      console.log(`round ${round + 1}: ${name} ${v.toFixed(2)} us CPU/frame`);
    }
  }
  const m = Object.fromEntries(Object.entries(us).map(([k, v]) => [k, median(v)]));
  const extra = { frames: COUNT, rounds: ROUNDS, pythonRounds: PY_ROUNDS, pythonCan: round3(m['python-can']), ratioVsPythonCan: round3(m['python-can'] / m.rxsock), runs: us };
  report({ name: 'can-receive', unit: 'us CPU/frame', rxsock: m.rxsock, peer: m.candump, peerName: 'candump -L', higherIsBetter: false, extra });
  report({ name: 'can-receive-python-can', unit: 'us CPU/frame', rxsock: m.rxsock, peer: m['python-can'], peerName: 'python-can Bus.recv()', higherIsBetter: false, extra: { frames: COUNT, rounds: ROUNDS, pythonRounds: PY_ROUNDS } });
} finally {
  execFileSync('ip', ['link', 'del', IFACE]);
}

function round3(x) {
  return Math.round(x * 1000) / 1000;
}
