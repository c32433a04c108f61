// rxsock-can against can-utils on the guest kernel, both directions: our candump beside the real
// one on the same traffic (same flags, byte-identical output once timestamps are cut), frames our
// cansend/cangen/canplayer put on the bus read by the real candump and compared with what the
// real cansend/cangen/canplayer put there. Judged on content and counts, never on time.
//
// The tools run in this process (runRxsockCan with captured streams) so that the guest starts few
// node processes; two runs of the real bin prove its wiring. Private vcan interfaces keep other
// test files' traffic out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runRxsockCan } from '../../dist/cli/main.js';
import type { CliIo } from '../../dist/cli/io.js';

const IF0 = 'vcli0';
const IF1 = 'vcli1';
const SYNC = '7FE';
const END = '7FD';
const bin = fileURLToPath(new URL('../../bin/rxsock-can.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'rxsock-cli-'));

beforeAll(() => {
  for (const name of [IF0, IF1]) {
    spawnSync('ip', ['link', 'del', 'dev', name]);
    execFileSync('ip', ['link', 'add', 'dev', name, 'type', 'vcan']);
    execFileSync('ip', ['link', 'set', name, 'up']);
  }
});

afterAll(() => {
  for (const name of [IF0, IF1]) spawnSync('ip', ['link', 'del', 'dev', name]);
  rmSync(dir, { recursive: true, force: true });
});

/** A dumper whose output we watch: the real candump or ours in this process. */
interface Dumper {
  text(): string;
  stop(): Promise<void>;
  /** Why it ended early, if it did. */
  failed?(): string | undefined;
}

function realCandump(args: string[]): Dumper {
  const child: ChildProcess = spawn('candump', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString('latin1')));
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return {
    text: () => out,
    stop: async () => {
      child.kill('SIGINT');
      await closed;
    },
  };
}

/** Runs an rxsock-can tool in this process; `signal()` is its Ctrl-C. */
function ours(argv: string[], cwd = dir): { text(): string; err(): string; signal(): void; done: Promise<number> } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString('latin1')));
  stderr.on('data', (d: Buffer) => (err += d.toString('latin1')));
  const handlers = new Set<() => void>();
  const io: CliIo = {
    stdout,
    stderr,
    stdin: new PassThrough(),
    cwd,
    onSignal(h) {
      handlers.add(h);
      return () => handlers.delete(h);
    },
  };
  const done = runRxsockCan(argv, io);
  return { text: () => out, err: () => err, signal: () => handlers.forEach((h) => h()), done };
}

function ourCandump(args: string[]): Dumper & { done: Promise<number> } {
  const run = ours(['candump', ...args]);
  let ended: string | undefined;
  void run.done.then((code) => (ended = `exited ${code}: ${run.err()}`));
  return {
    text: run.text,
    done: run.done,
    failed: () => ended,
    stop: async () => {
      run.signal();
      expect(await run.done).toBe(0);
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A line that shows the frame with id `id` (standard id, any of candump's layouts). */
const shows = (id: string) => new RegExp(`(^|[ )])${id}[# ]`, 'm');

/** Sends SYNC frames on `iface` until every dumper printed one: from then on, none misses a frame. */
async function syncDumpers(dumpers: Dumper[], iface = IF0): Promise<void> {
  for (let i = 0; i < 600; i++) {
    execFileSync('cansend', [iface, `${SYNC}#`]);
    await sleep(100);
    if (dumpers.every((d) => shows(SYNC).test(d.text()))) return;
    const dead = dumpers.map((d) => d.failed?.()).find((f) => f !== undefined);
    if (dead !== undefined) throw new Error(`our candump ended before the sync frame: ${dead}`);
  }
  throw new Error('the dumpers never saw the sync frame');
}

/** Sends END, waits until every dumper printed it, stops them, and returns each one's lines between the last SYNC and END. */
async function finish(dumpers: Dumper[], iface = IF0): Promise<string[][]> {
  execFileSync('cansend', [iface, `${END}#`]);
  for (let i = 0; i < 600 && !dumpers.every((d) => shows(END).test(d.text())); i++) await sleep(100);
  await Promise.all(dumpers.map((d) => d.stop()));
  return dumpers.map((d) => {
    const lines = d.text().split('\n');
    const end = lines.findIndex((l) => shows(END).test(l));
    let start = end;
    while (start > 0 && !shows(SYNC).test(lines[start - 1]!)) start--;
    return lines.slice(start, end);
  });
}

/** Cuts candump's timestamps: `(1436509053.249713) ` at the start of -L lines, ` (1436509053.249713) ` or ` (000.000123) ` in -t lines. */
const untimed = (lines: string[]) => lines.map((l) => l.replace(/^\s?\((\d{10}|\d{3}|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\.\d{6}\) /, ''));

// Every kind of frame cansend can make: standard, extended, RTR with and without a length, FD
// with and without BRS (9 bytes: padded to 12), an error-class id, separators, lower case.
const FRAMES = [
  '123#DEADBEEF',
  '5A1#11.2233.44556677.88',
  '5AA#',
  '1F334455#1122334455667788',
  '123#R',
  '00000123#R3',
  '7a1#r',
  '123##1',
  '213##311223344',
  '456##0112233445566778899',
  '1ABCDEF0##1' + '55'.repeat(64),
  '100#0102',
];

describe('candump: ours beside the real one, same flags, same bytes', () => {
  it('prints the same -L lines, default lines, -ta/-x lines and filtered lines', async () => {
    const variants: string[][] = [
      ['-L', IF0],
      [IF0],
      ['-ta', '-x', IF0],
      ['-L', `${IF0},123:7FF,1F334455:1FFFFFFF,400~7F0,7F0:7F0`],
      ['-L', '-x', `${IF0},100:700,7F0:7F0`, IF1],
      ['-a', IF0],
      ['-i', '-S', IF0],
    ];
    const real = variants.map((v) => realCandump(v));
    const mine = variants.map((v) => ourCandump(v));
    await syncDumpers([...real, ...mine]);
    for (const f of FRAMES) execFileSync('cansend', [IF0, f]);
    const [r, m] = [(await finish(real)).map(untimed), (await finish(mine)).map(untimed)];
    for (let i = 0; i < variants.length; i++) {
      expect(m[i], `candump ${variants[i]!.join(' ')}`).toEqual(r[i]);
      expect(r[i]!.length, `candump ${variants[i]!.join(' ')} saw frames`).toBeGreaterThan(2);
    }
    // The -L form carries every frame as can-utils writes it (FD padded, BRS as 5, plain FD as 4).
    expect(r[0]).toEqual([
      `${IF0} 123#DEADBEEF`,
      `${IF0} 5A1#1122334455667788`,
      `${IF0} 5AA#`,
      `${IF0} 1F334455#1122334455667788`,
      `${IF0} 123#R`,
      `${IF0} 00000123#R3`,
      `${IF0} 7A1#R`,
      `${IF0} 123##5`,
      `${IF0} 213##711223344`,
      `${IF0} 456##4112233445566778899000000`,
      `${IF0} 1ABCDEF0##5${'55'.repeat(64)}`,
      `${IF0} 100#0102`,
    ]);
  });

  it('prints error frames with -e the same way (an error-class frame sent with cansend)', async () => {
    const variants = [['-e', `${IF0},#FFFFFFFF`], ['-L', `${IF0},#FFFFFFFF`]];
    const real = variants.map((v) => realCandump(v));
    const mine = variants.map((v) => ourCandump(v));
    await syncDumpers([...real, ...mine]);
    execFileSync('cansend', [IF0, '20000004#0004000000000000']);
    execFileSync('cansend', [IF0, '2000004A#0500020800000A0B']);
    const [r, m] = [await finish(real), await finish(mine)];
    expect(m).toEqual(r);
    expect(r[0]!.join('\n')).toContain('controller-problem{rx-error-warning}');
  });

  it('counts with -n and logs to candump-DATE.log with -l', async () => {
    const watcher = realCandump(['-L', IF1]);
    await syncDumpers([watcher], IF1);
    // In this process our candump has its sockets open once its first turn ran.
    const counted = ourCandump(['-L', '-n', '3', IF1]);
    const logging = ours(['candump', '-l', IF1]);
    await sleep(50);
    for (let i = 0; i < 3; i++) execFileSync('cansend', [IF1, `0${i}0#0${i}`]);
    expect(await counted.done).toBe(0);
    expect(counted.text().trim().split('\n').map((l) => l.replace(/^\(\d+\.\d{6}\) /, ''))).toEqual([`${IF1} 000#00`, `${IF1} 010#01`, `${IF1} 020#02`]);
    const logName = () => readdirSync(dir).find((f) => /^candump-.*\.log$/.test(f));
    for (let i = 0; i < 600 && !(logName() !== undefined && readFileSync(join(dir, logName()!), 'latin1').includes('020#02')); i++) await sleep(100);
    logging.signal();
    expect(await logging.done).toBe(0);
    await watcher.stop();
    expect(logging.err()).toMatch(/^Disabled standard output while logging\.\nEnabling Logfile 'candump-\d{4}-\d\d-\d\d_\d{6}\.log'\n$/);
    expect(logging.text()).toBe('');
    const logged = readFileSync(join(dir, logName()!), 'latin1').trim().split('\n').map((l) => l.replace(/^\(\d+\.\d{6}\) /, ''));
    expect(logged).toEqual([`${IF1} 000#00`, `${IF1} 010#01`, `${IF1} 020#02`]);
  });
});

describe('frames our tools send, as the real candump reads them', () => {
  it('cansend puts on the bus exactly what the real cansend puts there', async () => {
    const a = realCandump(['-L', IF0]);
    await syncDumpers([a]);
    for (const f of FRAMES) execFileSync('cansend', [IF0, f]);
    for (const f of FRAMES) expect(await ours(['cansend', IF0, f]).done).toBe(0);
    const [lines] = (await finish([a])).map(untimed);
    expect(lines!.slice(FRAMES.length)).toEqual(lines!.slice(0, FRAMES.length));
    expect(lines).toHaveLength(2 * FRAMES.length);
  });

  it('cangen with fixed and increment modes sends the frames the real cangen sends', async () => {
    for (const flags of [
      ['-I', 'i', '-L', 'i', '-D', 'i', '-g', '0', '-n', '40'],
      ['-e', '-I', '1ABCDEF0', '-L', '8', '-D', '11223344DEADBEEF', '-g', '1', '-n', '5'],
      ['-f', '-b', '-I', '42A', '-L', 'i', '-D', 'i', '-g', '0', '-n', '20'],
      ['-R', '-I', '123', '-L', '4', '-g', '0', '-n', '3'],
    ]) {
      const a = realCandump(['-L', IF0]);
      await syncDumpers([a]);
      execFileSync('cangen', [IF0, ...flags]);
      const mine = ours(['cangen', IF0, ...flags]);
      expect(await mine.done, mine.err()).toBe(0);
      const [lines] = (await finish([a])).map(untimed);
      const n = Number(flags[flags.indexOf('-n') + 1]);
      expect(lines, `${flags.join(' ')}: ${lines!.join(' | ')}`).toHaveLength(2 * n);
      expect(lines!.slice(n), flags.join(' ')).toEqual(lines!.slice(0, n));
    }
  });

  it('canplayer replays a log as the real canplayer does: -t, loops, assignments, stdout hook; and each replays the other’s candump log', async () => {
    const log = join(dir, 'play.log');
    writeFileSync(
      log,
      [
        '# a comment line canplayer ignores',
        `(1700000000.000000) ${IF0} 111#01`,
        `(1700000000.000100) ${IF1} 222#02`,
        `(1700000000.000200) ${IF0} 1ABCDEF0##1AABB`,
        `(1700000000.000300) ${IF0} 333#R2`, // 2020.11 canplayer takes 6 digits only (ours takes 9 too)
        '',
      ].join('\n'),
    );
    const runs: string[][] = [['-I', log, '-t'], ['-I', log, '-t', '-l', '2'], ['-I', log, '-t', `${IF1}=${IF0}`], ['-I', log]];
    for (const args of runs) {
      const a = realCandump(['-L', IF0, IF1]);
      await syncDumpers([a]);
      execFileSync('canplayer', args);
      const [theirs] = (await finish([a])).map(untimed);
      const b = realCandump(['-L', IF0, IF1]);
      await syncDumpers([b]);
      const mine = ours(['canplayer', ...args]);
      expect(await mine.done, mine.err()).toBe(0);
      const [mineLines] = (await finish([b])).map(untimed);
      // One candump reads vcli0 and vcli1 on two sockets: the order between them is the order
      // its select loop looks at them, so each interface's sequence is compared on its own.
      const per = (lines: string[], name: string) => lines.filter((l) => l.startsWith(`${name} `));
      for (const name of [IF0, IF1]) expect(per(mineLines!, name), `canplayer ${args.join(' ')} on ${name}`).toEqual(per(theirs!, name));
      expect(mineLines!.length).toBe(theirs!.length);
      expect(mineLines!.length).toBeGreaterThan(0);
    }
    // stdout=IF: the line is printed as it is in the log
    const hook = ours(['canplayer', '-I', log, '-t', `stdout=${IF1}`]);
    expect(await hook.done).toBe(0);
    expect(hook.text()).toBe(`(1700000000.000100) ${IF1} 222#02\n`);

    // Our candump -L output replayed by the real canplayer, and the real one's by ours.
    const rec = ourCandump(['-L', IF0]);
    const recReal = realCandump(['-L', IF0]);
    await syncDumpers([rec, recReal]);
    for (const f of FRAMES) execFileSync('cansend', [IF0, f]);
    await finish([rec, recReal]);
    const ourLog = join(dir, 'ours.log');
    const realLog = join(dir, 'real.log');
    const framesOnly = (text: string) => text.split('\n').filter((l) => l !== '' && !shows(SYNC).test(l) && !shows(END).test(l)).join('\n') + '\n';
    writeFileSync(ourLog, framesOnly(rec.text()));
    writeFileSync(realLog, framesOnly(recReal.text()));
    expect(framesOnly(rec.text()).replace(/^\(\d+\.\d{6}\) /gm, '')).toBe(framesOnly(recReal.text()).replace(/^\(\d+\.\d{6}\) /gm, ''));
    const c = realCandump(['-L', IF1]);
    await syncDumpers([c], IF1);
    execFileSync('canplayer', ['-I', ourLog, '-t', `${IF1}=${IF0}`]);
    const mine = ours(['canplayer', '-I', realLog, '-t', `${IF1}=${IF0}`]);
    expect(await mine.done, mine.err()).toBe(0);
    const [both] = (await finish([c], IF1)).map(untimed);
    expect(both).toHaveLength(2 * FRAMES.length);
    expect(both!.slice(FRAMES.length)).toEqual(both!.slice(0, FRAMES.length));
    expect(both!.every((l) => l.startsWith(`${IF1} `))).toBe(true);
  });
});

describe('the rxsock-can bin', () => {
  it('runs candump as a process and refuses bad input with usage text and status 1, no stack trace', async () => {
    const child = spawn(process.execPath, [bin, 'candump', '-L', '-n', '2', IF1], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    const closed = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
    // The process needs seconds to load here: send until it printed two frames.
    for (let i = 0; i < 900 && out.split('\n').length < 3; i++) {
      execFileSync('cansend', [IF1, `0AB#${(i & 0xff).toString(16).padStart(2, '0')}`]);
      await sleep(100);
    }
    expect(await closed).toBe(0);
    expect(out).toMatch(/^\(\d{10}\.\d{6}\) vcli1 0AB#[0-9A-F]{2}\n\(\d{10}\.\d{6}\) vcli1 0AB#[0-9A-F]{2}\n$/);

    const bad = spawnSync(process.execPath, [bin, 'cansend', IF1, '123#XYZ'], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('Wrong CAN-frame format!');
    expect(bad.stderr).toContain('Usage: cansend <device> <can_frame>.');
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    const real = spawnSync('cansend', [IF1, '123#XYZ'], { encoding: 'utf8' });
    expect(real.status).toBe(1);
    expect(real.stderr).toContain('Wrong CAN-frame format!');
  });

  it('names a missing interface as can-utils does', async () => {
    const mine = ours(['cansend', 'nosuchcan0', '123#00']);
    expect(await mine.done).toBe(1);
    const real = spawnSync('cansend', ['nosuchcan0', '123#00'], { encoding: 'utf8' });
    expect(mine.err()).toBe(real.stderr);
  });
});
