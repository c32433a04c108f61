/**
 * Network namespaces these tests create and remove (root and iproute2 needed). Code runs inside
 * one as a child process (`ip netns exec`), so a sysctl set there (ping_group_range is per
 * namespace) never touches the host's.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** A namespace of our own, with `lo` up. */
export interface Netns {
  readonly name: string;
  /** Runs a command inside the namespace; returns stdout. */
  exec(cmd: string, ...args: string[]): string;
  /** Deletes the namespace and its interfaces. */
  remove(): void;
}

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Creates a namespace; fails with what is missing when it cannot. */
export function createNetns(prefix = 'rxcraft'): Netns {
  if (process.getuid?.() !== 0) throw new Error('these tests need root (CAP_SYS_ADMIN) to create network namespaces');
  const name = `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 7)}`;
  sh('ip', ['netns', 'add', name]);
  const ns: Netns = {
    name,
    exec: (cmd, ...args) => sh('ip', ['netns', 'exec', name, cmd, ...args]),
    remove: () => {
      try {
        sh('ip', ['netns', 'del', name]);
      } catch {
        // already gone
      }
    },
  };
  ns.exec('ip', 'link', 'set', 'lo', 'up');
  return ns;
}

/** Short unique interface names (at most 15 characters). */
export function ifName(tag: string): string {
  return `${tag}${process.pid % 100000}${Math.floor(Math.random() * 36).toString(36)}`.slice(0, 15);
}

/** The built `@rxsock/raw` entry, for child processes (they run JavaScript, not the TS sources). */
export const RAW_DIST = fileURLToPath(new URL('../../../dist/index.js', import.meta.url));
/** The built `rxsock-raw` command. */
export const RAW_BIN = fileURLToPath(new URL('../../../bin/rxsock-raw.mjs', import.meta.url));

/** Fails with the command to run when the package is not built. */
export function requireBuilt(): void {
  if (!existsSync(RAW_DIST) || !existsSync(fileURLToPath(new URL('../../../dist/cli/ping.js', import.meta.url)))) {
    throw new Error(`@rxsock/raw is not built (${RAW_DIST} missing): run npx tsc -b packages/raw`);
  }
}

/** Runs node on `script` (ES module text), optionally inside `ns`, optionally without CAP_NET_RAW; returns its parsed JSON stdout. */
export function runChild(script: string, opts: { ns?: Netns; dropNetRaw?: boolean; timeoutMs?: number } = {}): { status: number | null; json: unknown; stderr: string } {
  const argv: string[] = [];
  if (opts.ns) argv.push('ip', 'netns', 'exec', opts.ns.name);
  // --bounding-set keeps root from regaining the capability at exec; --inh-caps drops it from the inheritable set.
  if (opts.dropNetRaw) argv.push('setpriv', '--inh-caps=-net_raw', '--bounding-set=-net_raw');
  argv.push(process.execPath, '--input-type=module', '-e', script);
  const run = spawnSync(argv[0] as string, argv.slice(1), { encoding: 'utf8', timeout: opts.timeoutMs ?? 30_000 });
  let json: unknown;
  try {
    json = JSON.parse(run.stdout);
  } catch {
    json = undefined;
  }
  return { status: run.status, json, stderr: `${run.stderr}${run.error ? String(run.error) : ''}\nstdout: ${run.stdout}` };
}
