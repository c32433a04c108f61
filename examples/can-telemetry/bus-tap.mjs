// A second, independent CAN_RAW socket on the bus that only counts: how many frames of each DBC
// message the kernel delivered. The loss check compares it with what the BCM jobs sent and what
// the pipeline decoded.
import { openCanRaw } from '@rxsock/can';

/** The kernel filters of `db`'s messages: exact ids, standard or extended. */
export function messageFilters(db) {
  return db.messages.map((m) => ({ id: m.id, mask: m.extended ? 0x1fffffff : 0x7ff, extended: m.extended }));
}

export function startBusTap(db, iface) {
  const can = openCanRaw({ interface: iface, filters: messageFilters(db), receiveBufferSize: 1 << 20 });
  const counts = new Map();
  let total = 0;
  const reader = can.reader();
  reader.frames$.subscribe((f) => {
    const m = db.find(f.id, f.extended);
    if (!m) return;
    counts.set(m.name, (counts.get(m.name) ?? 0) + 1);
    total++;
  });
  reader.request(Infinity);
  return {
    counts,
    get total() {
      return total;
    },
    /** Frames the kernel dropped before this socket read them (SO_RXQ_OVFL). */
    get kernelDrops() {
      return reader.counters.kernelDrops;
    },
    close() {
      reader.close();
      can.close();
    },
  };
}
