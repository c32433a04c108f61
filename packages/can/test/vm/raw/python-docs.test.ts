// examples/python-docs/can-raw.mjs beside the original Python example it translates, each in a
// network namespace of its own with its own vcan0 (the example binds ('vcan0',) literally), fed
// the same frames by cansend: same printed lines, same frames sent back (candump -L).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PYTHON, settle } from './helpers.js';

const root = fileURLToPath(new URL('../../../../../', import.meta.url));
const original = fileURLToPath(new URL('./fixtures/python-docs-can-raw.py', import.meta.url));
const example = `${root}examples/python-docs/can-raw.mjs`;
const NS = { py: 'rxdocspy', js: 'rxdocsjs' } as const;
const inNs = (ns: string, cmd: string, ...args: string[]): string => execFileSync('ip', ['netns', 'exec', ns, cmd, ...args], { encoding: 'utf8' });

beforeAll(() => {
  for (const ns of Object.values(NS)) {
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    } catch {
      // not there
    }
    execFileSync('ip', ['netns', 'add', ns]);
    inNs(ns, 'ip', 'link', 'add', 'dev', 'vcan0', 'type', 'vcan');
    inNs(ns, 'ip', 'link', 'set', 'vcan0', 'up');
  }
});
afterAll(() => {
  for (const ns of Object.values(NS)) execFileSync('ip', ['netns', 'del', ns]);
});

/** CAN_RAW receivers on vcan0 in `ns` (from /proc/net/can/rcvlist_all, which is per namespace). */
function receivers(ns: string): number {
  return inNs(ns, 'cat', '/proc/net/can/rcvlist_all').split('\n').filter((l) => /^\s+vcan0\s/.test(l)).length;
}

async function until(cond: () => boolean, what: string, tries = 600): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (cond()) return;
    await settle(200);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function start(ns: string, cmd: string, args: string[]): { child: ChildProcess; out: () => string; exited: Promise<number | null> } {
  const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d));
  child.stderr!.on('data', (d: Buffer) => (out += d));
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return { child, out: () => out, exited };
}

const frames = ['123#DEADBEEF', '1ABCDEF0#0102', '7FF#2741', '05A#5C0A0D09', '000#'];

async function runSide(ns: string, cmd: string, args: string[]): Promise<{ printed: string; dumped: string[] }> {
  const prog = start(ns, cmd, args);
  await until(() => receivers(ns) >= 1, `${cmd} to bind vcan0 in ${ns}`);
  const dump = start(ns, 'candump', ['-L', '-n', String(frames.length * 3), 'vcan0']);
  await until(() => receivers(ns) >= 2, `candump to bind vcan0 in ${ns}`);
  for (const f of frames) inNs(ns, 'cansend', 'vcan0', f);
  expect(await dump.exited).toBe(0);
  await until(() => prog.out().split('\n').filter((l) => l.startsWith('Received')).length >= frames.length, `${cmd}'s output`);
  prog.child.kill('SIGTERM');
  await prog.exited;
  const dumped = dump.out().trim().split('\n').map((l) => l.split(' ').slice(1).join(' ')).sort();
  return { printed: prog.out(), dumped };
}

describe("Python's CAN_RAW example", () => {
  it('prints the same lines and sends the same frames as the Python original', async () => {
    const [py, js] = await Promise.all([
      runSide(NS.py, PYTHON, ['-u', original]),
      runSide(NS.js, process.execPath, [example]),
    ]);
    expect(py.printed).toContain("Received: can_id=123, can_dlc=4, data=b'\\xde\\xad\\xbe\\xef'");
    expect(py.printed).toContain('Received: can_id=9abcdef0, can_dlc=2,');
    expect(js.printed).toBe(py.printed);
    expect(js.dumped).toEqual(py.dumped);
    // each frame in, echoed, and the 01#010203 frame: three lines per frame
    expect(py.dumped.filter((l) => l === 'vcan0 001#010203')).toHaveLength(frames.length);
  });
});
