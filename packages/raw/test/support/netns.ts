/**
 * Network namespaces with a veth pair between them, made and removed by the tests: the sniffer's
 * side (`ns`, interface `ifname`, 10.77.0.1/24) and the peer's (`peerNs`, `peerIfname`,
 * 10.77.0.2/24). Nothing leaves the machine.
 *
 * Sockets are opened inside a namespace by switching the calling thread into it for the
 * duration of `inside(fn)` (setns(2) with CLONE_NEWNET): a socket belongs to the namespace it was
 * created in, so it keeps working there after the thread switches back.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { loadNativeLibrary } from '@rxsock/core';

const CLONE_NEWNET = 0x40000000;
const O_RDONLY_CLOEXEC = 0o2000000;

interface Libc {
  open(path: string, flags: number): number;
  setns(fd: number, type: number): number;
  close(fd: number): number;
}
let libc: Libc | undefined;
function c(): Libc {
  if (libc) return libc;
  const lib = loadNativeLibrary(['libc.so.6'], { purpose: 'switching network namespaces', debianPackage: 'libc6' });
  return (libc = {
    open: lib.func('int open(const char *path, int flags)') as never,
    setns: lib.func('int setns(int fd, int nstype)') as never,
    close: lib.func('int close(int fd)') as never,
  });
}

/** A namespace pair joined by a veth link. */
export interface VethLab {
  ns: string;
  peerNs: string;
  ifname: string;
  peerIfname: string;
  address: string;
  peerAddress: string;
  /** MAC of `ifname` and of `peerIfname`. */
  mac: string;
  peerMac: string;
  /** Runs `fn` with this thread in `ns`. */
  inside<T>(fn: () => T): T;
  /** Runs `fn` with this thread in `peerNs`. */
  insidePeer<T>(fn: () => T): T;
  /** Runs a command in `ns` (`ip netns exec`), returning stdout. */
  exec(cmd: string, args: string[]): string;
  /** Runs a command in `peerNs`. */
  execPeer(cmd: string, args: string[]): string;
  /** Removes both namespaces (and with them the veth pair). Idempotent. */
  destroy(): void;
}

function ip(args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function enter<T>(ns: string, fn: () => T): T {
  const lib = c();
  const self = lib.open('/proc/self/ns/net', O_RDONLY_CLOEXEC);
  const target = lib.open(`/var/run/netns/${ns}`, O_RDONLY_CLOEXEC);
  if (self < 0 || target < 0) throw new Error(`cannot open the namespace files of ${ns}`);
  try {
    if (lib.setns(target, CLONE_NEWNET) !== 0) throw new Error(`setns into ${ns} failed (needs CAP_SYS_ADMIN)`);
    try {
      return fn();
    } finally {
      if (lib.setns(self, CLONE_NEWNET) !== 0) throw new Error('setns back to the original namespace failed');
    }
  } finally {
    lib.close(self);
    lib.close(target);
  }
}

const live = new Set<VethLab>();
process.once('exit', () => {
  for (const lab of live) lab.destroy();
});

/**
 * Creates the namespaces and the veth pair. `tag` (letters/digits, at most 4) makes names unique
 * per test file; the process id makes them unique per run.
 * @throws Error saying the tests need root/CAP_NET_ADMIN when `ip netns add` is refused.
 */
export function createVethLab(tag: string, options: { ipv6?: boolean } = {}): VethLab {
  if (!/^[a-z0-9]{1,4}$/.test(tag)) throw new Error(`bad lab tag ${tag}`);
  const id = `${tag}${process.pid % 100000}`;
  const ns = `rxs-${id}`;
  const peerNs = `rxs-${id}-p`;
  const ifname = `v${id}a`;
  const peerIfname = `v${id}b`;
  const address = '10.77.0.1';
  const peerAddress = '10.77.0.2';
  const destroy = () => {
    for (const n of [ns, peerNs]) spawnSync('ip', ['netns', 'del', n], { stdio: 'ignore' });
    live.delete(lab);
  };
  const lab: VethLab = {
    ns, peerNs, ifname, peerIfname, address, peerAddress, mac: '', peerMac: '',
    inside: (fn) => enter(ns, fn),
    insidePeer: (fn) => enter(peerNs, fn),
    exec: (cmd, args) => execFileSync('ip', ['netns', 'exec', ns, cmd, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }),
    execPeer: (cmd, args) => execFileSync('ip', ['netns', 'exec', peerNs, cmd, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }),
    destroy,
  };
  try {
    ip(['netns', 'add', ns]);
  } catch (error) {
    const why = process.getuid?.() === 0 ? String((error as { stderr?: string }).stderr ?? error) : 'not running as root';
    throw new Error(`these tests create network namespaces and veth pairs and need root or CAP_NET_ADMIN + CAP_SYS_ADMIN (${why.trim()})`);
  }
  live.add(lab);
  try {
    ip(['netns', 'add', peerNs]);
    ip(['link', 'add', ifname, 'netns', ns, 'type', 'veth', 'peer', 'name', peerIfname, 'netns', peerNs]);
    for (const [n, dev, addr] of [[ns, ifname, address], [peerNs, peerIfname, peerAddress]] as const) {
      const run = (...a: string[]) => ip(['-n', n, ...a]);
      if (!options.ipv6) execFileSync('ip', ['netns', 'exec', n, 'sysctl', '-qw', `net.ipv6.conf.all.disable_ipv6=1`, `net.ipv6.conf.default.disable_ipv6=1`]);
      run('link', 'set', 'lo', 'up');
      run('addr', 'add', `${addr}/24`, 'dev', dev);
      run('link', 'set', dev, 'up');
    }
    lab.mac = JSON.parse(ip(['-n', ns, '-j', 'link', 'show', ifname]))[0].address;
    lab.peerMac = JSON.parse(ip(['-n', peerNs, '-j', 'link', 'show', peerIfname]))[0].address;
  } catch (error) {
    destroy();
    throw error;
  }
  return lab;
}
