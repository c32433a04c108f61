/**
 * `rxsock-raw ping` against iputils' `ping` (Debian's iputils-ping) run the same way: the same
 * lines once times are masked, the same error messages, the same exit statuses.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPing, type PingIo } from '../../src/cli/ping.js';
import { RAW_BIN, requireBuilt } from './support/netns.js';
import { createLine, type Line } from './support/topology.js';

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

function realPing(args: string[], netns?: string): Run {
  const argv = netns ? ['ip', 'netns', 'exec', netns, 'ping', ...args] : ['ping', ...args];
  const r = spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8', timeout: 20_000 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('iputils ping is missing: apt-get install iputils-ping');
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Ours in this process. */
async function ourPing(args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: PingIo = {
    stdout: { write: (s: string | Uint8Array) => ((stdout += String(s)), true) },
    stderr: { write: (s: string | Uint8Array) => ((stderr += String(s)), true) },
    onInterrupt: () => () => {},
  };
  const status = await runPing(args, io);
  return { status, stdout, stderr };
}

/** Ours as the installed command, in a namespace. */
function ourPingIn(netns: string, args: string[]): Run {
  const r = spawnSync('ip', ['netns', 'exec', netns, process.execPath, RAW_BIN, 'ping', ...args], { encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Output with the measured times masked. */
function shape(text: string): string[] {
  return text
    .replace(/time=[\d.]+ ms/g, 'time=T ms')
    .replace(/time \d+ms/g, 'time Nms')
    .replace(/= [\d.]+\/[\d.]+\/[\d.]+\/[\d.]+ ms/g, '= A/B/C/D ms')
    .split('\n');
}

describe('rxsock-raw ping vs iputils ping', () => {
  it.each([
    ['-c 3 -i 0.2 127.0.0.1'],
    ['-c 2 -i 0.2 ::1'],
    ['-q -c 2 -i 0.2 127.0.0.1'],
    ['-c 2 -s 0 -i 0.2 127.0.0.1'],
    ['-c 1 -s 1000 127.0.0.1'],
    ['-4 -c 1 127.0.0.1'],
    ['-6 -c1 -t 9 ::1'],
    ['-c 2 -i 0.2 localhost'],
    ['-n -c 1 localhost'],
  ])('ping %s: same lines, same status', async (line) => {
    const args = line.split(' ');
    const [ours, theirs] = [await ourPing(args), realPing(args)];
    expect(shape(ours.stdout)).toEqual(shape(theirs.stdout));
    expect(ours.stderr).toBe('');
    expect(ours.status).toBe(theirs.status);
    expect(ours.status).toBe(0);
  });

  it.each([
    ['-c abc 127.0.0.1'],
    ['-c 0 127.0.0.1'],
    ['-s abc 127.0.0.1'],
    ['-t 300 127.0.0.1'],
    ['-4 ::1'],
    ['-6 127.0.0.1'],
    [''],
    ['-c 1 no-such-host.invalid'],
  ])('ping %s: same message and status', async (line) => {
    const args = line ? line.split(' ') : [];
    const [ours, theirs] = [await ourPing(args), realPing(args)];
    expect(ours.stderr).toBe(theirs.stderr);
    expect(ours.status).toBe(theirs.status);
    expect(ours.stdout).toBe('');
  });

  it('an unknown option: ping\'s message, usage text, status 2', async () => {
    const [ours, theirs] = [await ourPing(['-x', '127.0.0.1']), realPing(['-x', '127.0.0.1'])];
    expect(ours.stderr.split('\n')[0]).toBe(theirs.stderr.split('\n')[0]);
    expect(ours.stderr).toContain('Usage\n  rxsock-raw ping [options] <destination>');
    expect(ours.status).toBe(2);
    expect(theirs.status).toBe(2);
    const help = await ourPing(['-h']);
    expect([help.status, help.stderr.includes('-c <count>')]).toEqual([2, true]);
  });
});

describe('rxsock-raw ping vs iputils ping through namespaces', () => {
  let line: Line;
  beforeAll(() => {
    requireBuilt();
    line = createLine();
    // Neighbour discovery on the fresh links delays whichever runs first by up to a second (its
    // first reply then comes after the second request: "pipe 2"): both run with warm caches.
    for (const host of [line.serverV4, line.serverV6]) realPing(['-c', '1', '-W', '3', host], line.client.name);
  });
  afterAll(() => line?.remove());

  it.each([
    ['a peer one hop away', (l: Line) => ['-c', '2', '-i', '0.2', l.serverV4], 0],
    ['a peer one hop away (IPv6)', (l: Line) => ['-c', '2', '-i', '0.2', l.serverV6], 0],
    ['TTL exceeded at the router', (l: Line) => ['-c', '2', '-i', '0.2', '-t', '1', '-W', '1', l.serverV4], 1],
    ['TTL exceeded at the router (IPv6)', (l: Line) => ['-c', '2', '-i', '0.2', '-t', '1', '-W', '1', l.serverV6], 1],
    ['no answer at all', (l: Line) => ['-c', '1', '-W', '1', l.absentV4], 1],
  ] as const)('%s: same lines, same status', (_name, args, status) => {
    const a = args(line);
    const ours = ourPingIn(line.client.name, [...a]);
    const theirs = realPing([...a], line.client.name);
    expect(shape(ours.stdout), ours.stderr).toEqual(shape(theirs.stdout));
    expect(ours.status).toBe(theirs.status);
    expect(ours.status).toBe(status);
  }, 20_000);

  it.each([
    ['an unreachable route', (l: Line) => l.unroutableV4, 'ping: connect: No route to host\n'],
    ['a blackhole route', (l: Line) => l.blackholeV4, 'ping: connect: Invalid argument\n'],
  ] as const)('%s: refused before the run starts, the same message and status 2', (_name, host, message) => {
    const a = ['-c', '1', '-W', '1', host(line)];
    const ours = ourPingIn(line.client.name, a);
    const theirs = realPing(a, line.client.name);
    expect(theirs.stderr).toBe(message);
    expect(ours.stderr).toBe(theirs.stderr);
    expect(ours.stdout).toBe(theirs.stdout);
    expect([ours.status, theirs.status]).toEqual([2, 2]);
  }, 20_000);
});

describe('rxsock-raw ping vs iputils ping without CAP_NET_RAW (ping sockets, errors from the error queue)', () => {
  let line: Line;
  let dir: string;
  /** iputils' ping without its file capability (cap_net_raw=ep), which would fail the exec outside the bounding set. */
  let plainPing: string;
  beforeAll(() => {
    requireBuilt();
    line = createLine();
    dir = mkdtempSync(join(tmpdir(), 'rxsock-ping-'));
    plainPing = join(dir, 'ping');
    copyFileSync(execFileSync('sh', ['-c', 'command -v ping'], { encoding: 'utf8' }).trim(), plainPing);
    chmodSync(plainPing, 0o755);
    for (const host of [line.serverV4, line.serverV6]) realPing(['-c', '1', '-W', '3', host], line.client.name); // warm neighbour caches, as above
  });
  afterAll(() => {
    line?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** `argv` in the client namespace with CAP_NET_RAW dropped from the bounding set: root then gets no raw socket either. */
  function withoutRaw(argv: string[]): Run {
    const r = spawnSync('ip', ['netns', 'exec', line.client.name, 'capsh', '--drop=cap_net_raw', '--', '-c', 'exec "$@"', 'sh', ...argv], { encoding: 'utf8', timeout: 20_000 });
    if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('capsh is missing: apt-get install libcap2-bin');
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  it.each([
    ['a peer one hop away', (l: Line) => ['-c', '2', '-i', '0.2', l.serverV4], 0],
    ['TTL exceeded at the router', (l: Line) => ['-c', '2', '-i', '0.2', '-t', '1', '-W', '1', l.serverV4], 1],
    ['TTL exceeded at the router (IPv6)', (l: Line) => ['-c', '2', '-i', '0.2', '-t', '1', '-W', '1', l.serverV6], 1],
    ['Destination Host Unreachable from the router', (l: Line) => ['-c', '1', '-W', '5', l.absentV4], 1],
  ] as const)('%s: same lines, same status', (_name, args, status) => {
    const a = args(line);
    const ours = withoutRaw([process.execPath, RAW_BIN, 'ping', ...a]);
    const theirs = withoutRaw([plainPing, ...a]);
    expect(shape(ours.stdout), ours.stderr).toEqual(shape(theirs.stdout));
    expect(ours.status).toBe(theirs.status);
    expect(ours.status).toBe(status);
  }, 20_000);

  it('-w with nobody there: requests go on past -c until the errors come, then the statistics end with pipe N (counts masked: they follow the router\'s ARP timer)', () => {
    const a = ['-c', '1', '-w', '8', '-i', '0.5', line.absentV4];
    const counted = (text: string): string[] =>
      shape(text)
        .map((l) => l.replace(/icmp_seq=\d+/, 'icmp_seq=N').replace(/\d+ packets transmitted/, 'X packets transmitted').replace(/\+\d+ errors/, '+E errors').replace(/pipe \d+/, 'pipe P'))
        .filter((l, i, all) => !(l.startsWith('From ') && all[i - 1] === l));
    const ours = withoutRaw([process.execPath, RAW_BIN, 'ping', ...a]);
    const theirs = withoutRaw([plainPing, ...a]);
    expect(counted(ours.stdout), ours.stderr).toEqual(counted(theirs.stdout));
    expect(ours.stdout).toMatch(/\npipe [2-9]\d*\n$/);
    expect(ours.status).toBe(theirs.status);
  }, 30_000);
});

describe('rxsock-raw ping on Ctrl-C', () => {
  /** Starts `argv`, sends SIGINT `ms` after its first reply line, resolves with its output and status. */
  function interrupted(argv: string[], ms: number): Promise<Run> {
    return new Promise((resolve) => {
      const child = spawn(argv[0] as string, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      let timer: NodeJS.Timeout | undefined;
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (!timer && stdout.includes(' bytes from ')) timer = setTimeout(() => child.kill('SIGINT'), ms);
      });
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (status) => {
        clearTimeout(timer);
        resolve({ status, stdout, stderr });
      });
    });
  }

  it('SIGINT ends it with the statistics and status 0, as ping does', async () => {
    requireBuilt();
    const [ours, theirs] = await Promise.all([
      interrupted([process.execPath, RAW_BIN, 'ping', '-i', '0.1', '127.0.0.1'], 500),
      interrupted(['ping', '-i', '0.1', '127.0.0.1'], 500),
    ]);
    for (const r of [ours, theirs]) {
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/\n--- 127\.0\.0\.1 ping statistics ---\n\d+ packets transmitted, \d+ received, [\d.]+% packet loss, time \d+ms\nrtt min\/avg\/max\/mdev = [\d.]+\/[\d.]+\/[\d.]+\/[\d.]+ ms\n$/);
    }
    expect(Number(/(\d+) received/.exec(ours.stdout)?.[1])).toBeGreaterThanOrEqual(3);
    expect(ours.stderr).toBe('');
  });
});
