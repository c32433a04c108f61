// The simulated ECUs: one CAN_BCM socket per sending node of the DBC, one kernel-run cyclic job
// per message at its GenMsgCycleTime. JavaScript never sends a frame itself: the kernel's timers
// do; JavaScript only updates the jobs' data as the simulated values change (an update keeps the
// cycle running, nothing restarts). Each job sends a known number of frames and then reports
// that it is done (TX_EXPIRED), so the demo knows exactly how many frames to expect.
import { fstatSync, readFileSync } from 'node:fs';
import { exhaustMap, from, interval, takeUntil, Subject } from 'rxjs';
import { canFrame, openCanBcm } from '@rxsock/can';
import { vehicleState } from './vehicle.mjs';

/** The frames of one message's cycle: one per entry of the simulation's list for it. */
function framesOf(db, message, state) {
  return state[message.name].map((values) => {
    const e = db.encode(message.name, values);
    return canFrame({ id: e.id, extended: e.extended, data: e.data });
  });
}

/**
 * The kernel's own count of frames each job of a BCM socket sent, by can_id word (the EFF flag
 * included), from /proc/net/can-bcm/<socket inode>: "tx_op: 98FEEE00 vcan0 [1] t1=100000 # sent 97".
 */
export function kernelSentCounts(bcm) {
  const text = readFileSync(`/proc/net/can-bcm/${fstatSync(bcm.socket.fileno()).ino}`, 'utf8');
  const counts = new Map();
  for (const m of text.matchAll(/^tx_op: ([0-9A-F]+) .*# sent (\d+)$/gm)) counts.set(Number.parseInt(m[1], 16) >>> 0, Number(m[2]));
  return counts;
}

/**
 * Starts every cyclic message of `db` that has a GenMsgCycleTime on `iface`, each for
 * `durationSec`, with the data updated every `updateMs`.
 */
export async function startEcus(db, iface, { durationSec, updateMs = 100 }) {
  const started = performance.now();
  const now = () => vehicleState((performance.now() - started) / 1000);
  const sockets = new Map(); // sending node -> its BCM socket
  const jobs = [];
  const errors = [];
  const state = now();
  for (const message of db.messages) {
    const periodMs = message.attributes.get('GenMsgCycleTime');
    if (!periodMs || !state[message.name]) continue;
    if (!sockets.has(message.sender)) sockets.set(message.sender, await openCanBcm({ interface: iface }));
    const bcm = sockets.get(message.sender);
    const planned = Math.max(1, Math.round((durationSec * 1000) / periodMs));
    // `planned` frames, one every periodMs, then the job expires (ival1 with a count, no ival2).
    const job = await bcm.startCyclic(framesOf(db, message, state), { intervalMs: periodMs, initial: { count: planned, intervalMs: periodMs }, stopAfterInitial: true });
    const entry = { message, node: message.sender, bcm, job, periodMs, planned, expired: false, updates: 0 };
    job.expired.then(() => (entry.expired = true));
    jobs.push(entry);
  }

  // Fresh values into the running jobs; a round still writing when the next is due is skipped.
  const stop$ = new Subject();
  interval(updateMs)
    .pipe(
      exhaustMap(() => {
        const s = now();
        return from(
          Promise.all(
            jobs.filter((j) => !j.expired).map((j) =>
              j.job.update(framesOf(db, j.message, s)).then(
                () => j.updates++,
                (e) => errors.push(`update of ${j.message.name} failed: ${e.code ?? ''} ${e.message}`),
              ),
            ),
          ),
        );
      }),
      takeUntil(stop$),
    )
    .subscribe();

  return {
    jobs,
    errors,
    /** Resolves when every job has sent its frames. */
    done: Promise.all(jobs.map((j) => j.job.expired)),
    /** What the kernel says each job sent, by message name (read before close). */
    kernelSent() {
      const byName = new Map();
      for (const j of jobs) byName.set(j.message.name, kernelSentCounts(j.bcm).get(j.job.canId));
      return byName;
    },
    /** Stops the updates and closes the sockets (the kernel deletes their jobs). */
    close() {
      stop$.next();
      for (const bcm of sockets.values()) bcm.close();
    },
  };
}
