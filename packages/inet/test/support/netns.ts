/**
 * Network namespaces the tests create and destroy, for what loopback cannot do (IPv6 multicast:
 * Linux cannot send IPv6 multicast over `lo` — neighbour creation fails on a loopback device and
 * the packet is dropped as "no route" — so those tests use a veth pair inside a namespace).
 *
 * Sockets are created inside the namespace by switching the calling thread with setns(2)
 * (allowed in a multi-threaded process for CLONE_NEWNET) and switching back at once: a socket
 * keeps the namespace it was created in. Needs root (CAP_SYS_ADMIN) and iproute2.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const CLONE_NEWNET = 0x40000000;

// koffi is core's dependency, not ours: borrow it from core's own node_modules (tests only).
const requireFromCore = createRequire(fileURLToPath(new URL('../../../core/package.json', import.meta.url)));
type KoffiLike = { load(name: string): { func(signature: string): (...args: unknown[]) => number } };
let setnsFn: ((fd: number, type: number) => number) | undefined;
function setns(fd: number): void {
  if (!setnsFn) {
    const koffi = requireFromCore('koffi') as KoffiLike;
    setnsFn = koffi.load('libc.so.6').func('int setns(int fd, int nstype)') as (fd: number, type: number) => number;
  }
  if (setnsFn(fd, CLONE_NEWNET) !== 0) throw new Error('setns(CLONE_NEWNET) failed (root needed)');
}

/** A namespace of our own. */
export interface Netns {
  readonly name: string;
  /** Runs `ip -n <ns> ...` and returns its stdout. */
  ip(...args: string[]): string;
  /** Runs a command inside the namespace. */
  exec(cmd: string, ...args: string[]): string;
  /** The index of an interface of the namespace. */
  index(ifname: string): number;
  /** Runs `fn` with this thread inside the namespace (sockets created there stay there). */
  run<T>(fn: () => T): T;
  /** Deletes the namespace (and its interfaces). */
  remove(): void;
}

/**
 * Creates a namespace with `lo` up and IPv6 duplicate address detection off (so link-local
 * addresses are usable at once, not "tentative").
 */
export function createNetns(prefix = 'rxsock'): Netns {
  const name = `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  sh('ip', ['netns', 'add', name]);
  const ns: Netns = {
    name,
    ip: (...args) => sh('ip', ['-n', name, ...args]),
    exec: (cmd, ...args) => sh('ip', ['netns', 'exec', name, cmd, ...args]),
    index(ifname) {
      const links = JSON.parse(sh('ip', ['-n', name, '-j', 'link', 'show', 'dev', ifname])) as Array<{ ifindex: number }>;
      return links[0]!.ifindex;
    },
    run(fn) {
      const home = openSync('/proc/thread-self/ns/net', 'r');
      const target = openSync(`/run/netns/${name}`, 'r');
      try {
        setns(target);
        try {
          return fn();
        } finally {
          setns(home);
        }
      } finally {
        closeSync(target);
        closeSync(home);
      }
    },
    remove() {
      try {
        sh('ip', ['netns', 'del', name]);
      } catch {
        // already gone
      }
    },
  };
  try {
    ns.exec('sysctl', '-qw', 'net.ipv6.conf.all.accept_dad=0', 'net.ipv6.conf.default.accept_dad=0');
    ns.ip('link', 'set', 'lo', 'up');
  } catch (e) {
    ns.remove();
    throw e;
  }
  return ns;
}
