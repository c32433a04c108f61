// Parent/child plumbing for the benchmarks that put each side in its own process: the parent
// spawns `node --expose-gc script args...` with an IPC channel (optionally under a raised
// `ulimit -n`), children talk back with plain `{type, ...}` messages.
import { spawn } from 'node:child_process';

/**
 * `spawn` arguments that run `command args...` with its fd limit raised to `nofile` (up to the
 * hard limit when `nofile` is above it), through `sh -c 'ulimit -n N; exec ...'`.
 */
export function underFdLimit(nofile, command, args) {
  return ['/bin/sh', ['-c', `ulimit -n ${nofile} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"`, command, ...args]];
}

/**
 * Spawns a child node process running `script` with an IPC channel. `nofile` raises the fd limit
 * of the child through `sh -c 'ulimit -n N; exec node ...'` (up to the hard limit when N is above it).
 */
export function startChild(script, args = [], { nofile, env } = {}) {
  const nodeArgs = ['--expose-gc', script, ...args.map(String)];
  const stdio = ['ignore', 'inherit', 'inherit', 'ipc'];
  const proc = nofile
    ? spawn(...underFdLimit(nofile, process.execPath, nodeArgs), { stdio, env: env ?? process.env })
    : spawn(process.execPath, nodeArgs, { stdio, env: env ?? process.env });
  const inbox = [];
  const waiters = [];
  let failure;
  const settle = () => {
    for (let i = 0; i < waiters.length; ) {
      const w = waiters[i];
      const at = inbox.findIndex((m) => m.type === w.type);
      if (at >= 0) {
        waiters.splice(i, 1);
        clearTimeout(w.timer);
        w.resolve(inbox.splice(at, 1)[0]);
      } else if (failure) {
        waiters.splice(i, 1);
        clearTimeout(w.timer);
        w.reject(failure);
      } else i++;
    }
  };
  proc.on('message', (m) => {
    if (m && m.type === 'error') failure = new Error(`${script}: ${m.message}`);
    inbox.push(m);
    settle();
  });
  const exited = new Promise((resolve) => {
    proc.on('exit', (code, signal) => {
      if (!failure && code !== 0) failure = new Error(`${script} ${args.join(' ')} exited with ${signal ?? code}`);
      if (!failure) failure = new Error(`${script} exited`);
      settle();
      resolve({ code, signal });
    });
  });
  return {
    proc,
    exited,
    send(message) {
      if (proc.connected) proc.send(message);
    },
    /** The next message of `type` (queued ones first); rejects if the child dies first. */
    next(type, timeoutMs = 120_000) {
      return new Promise((resolve, reject) => {
        const w = { type, resolve, reject, timer: setTimeout(() => reject(new Error(`${script}: no '${type}' message within ${timeoutMs} ms`)), timeoutMs) };
        waiters.push(w);
        settle();
      });
    },
    /** Asks the child to exit (closes the channel) and waits for it, killing it after `graceMs`. */
    async stop(graceMs = 5000) {
      if (proc.exitCode === null && proc.signalCode === null) {
        if (proc.connected) proc.disconnect();
        const t = setTimeout(() => proc.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(t);
      }
    },
  };
}

// ---- child side -------------------------------------------------------------------------------

const childInbox = [];
const childWaiters = [];
if (process.send) {
  process.on('message', (m) => {
    childInbox.push(m);
    for (let i = 0; i < childWaiters.length; ) {
      const w = childWaiters[i];
      const at = childInbox.findIndex((x) => x.type === w.type);
      if (at >= 0) {
        childWaiters.splice(i, 1);
        w.resolve(childInbox.splice(at, 1)[0]);
      } else i++;
    }
  });
  // The parent closing the channel means: we are done, exit now.
  process.on('disconnect', () => process.exit(0));
}

/** In a child: the next message of `type` from the parent. */
export function nextMessage(type) {
  const at = childInbox.findIndex((m) => m.type === type);
  if (at >= 0) return Promise.resolve(childInbox.splice(at, 1)[0]);
  return new Promise((resolve) => childWaiters.push({ type, resolve }));
}

/** In a child: sends a message to the parent and resolves once it is written. */
export function tell(message) {
  return new Promise((resolve, reject) => process.send(message, (e) => (e ? reject(e) : resolve())));
}

/** In a child: runs `main`, reports a thrown error to the parent and exits non-zero. */
export function childMain(main) {
  main().catch(async (e) => {
    console.error(e);
    try {
      await tell({ type: 'error', message: String(e?.stack ?? e) });
    } finally {
      process.exit(1);
    }
  });
}

/** `process.cpuUsage()` delta in microseconds: `{user, system, total}`. */
export function cpuSince(start) {
  const d = process.cpuUsage(start);
  return { user: d.user, system: d.system, total: d.user + d.system };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
