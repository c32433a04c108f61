// The io_uring floor of bench/tcp-echo-10k: bench/lib/tcp-echo-server.c's `uring` server written
// in JavaScript, every kernel call through koffi and the rings read and written in place through
// views of their mapped memory (bench/lib/koffi-uring-floor.mjs). No rxsock code: what a
// completion-based server inside Node costs before any stream, observable or connection object.
// Per message: one CQE read (the multishot RECV's), one SQE written (the SEND), one CQE read (the
// SEND's, which hands the buffer back to the provided-buffer ring); no system call of its own —
// one io_uring_enter per pass submits every SEND queued in it.
//   MODE "sync": no event loop; each pass is one io_uring_enter that submits and waits for the
//     next completion (SINGLE_ISSUER|DEFER_TASKRUN, as the C server).
//   MODE "loop": inside Node's event loop, the fastest shape koffi-uring-floor.mjs found there:
//     SINGLE_ISSUER|DEFER_TASKRUN|TASKRUN_FLAG, an eventfd registered with the ring and watched
//     by a uv_poll_t, muted while the callback runs; up to 32 passes per wake-up (submit and run
//     task work, reap), as core's drain re-selects. (A uv_poll_t on the ring fd itself, setup
//     flags 0, cost 2 us more per message: every completion also runs epoll's wake-up callback.)
//   MODE "rx": "loop" with the application side of echo-server.mjs's rxsock server over it: each
//     connection an object whose `input$` (an RxJS Subject) emits every chunk as a fresh Buffer
//     (copied out of the provided buffer, which goes back at once) and whose `write(chunk)`
//     copies into a 2 KiB send slot (freed when its SEND completes); the server subscribes
//     `chunk => conn.write(chunk)`. The least that shape of API costs over the completion loop.
// Listens on 127.0.0.1, an ephemeral port, backlog 4096; prints the port on its first line and
// serves until killed. Usage: node koffi-uring-echo-server.mjs sync|loop|rx
import { close, defaultLoop, handlers, handleSize, listenLoopback, noDelay, pollCb, pollInit, pollStart, read, UV_POLL, UV_READABLE, write } from './koffi-uv.mjs';
import { createRequire } from 'node:module';
import { bufferAddress, DEFER_TASKRUN, DEFER_TASKRUN_FLAG, EFD_NONBLOCK, eventfd, IORING_CQ_EVENTFD_DISABLED, IORING_SQ_TASKRUN, providedBuffers, Ring } from './koffi-uring-floor.mjs';

const mode = process.argv[2];
if (mode !== 'sync' && mode !== 'loop' && mode !== 'rx') {
  console.error('usage: node koffi-uring-echo-server.mjs sync|loop|rx');
  process.exit(2);
}

const SQ_ENTRIES = 4096;
const BUFFERS = 16384; // provided buffers of 2 KiB: more than one per connection of the 10,000
const BUFFER_SIZE = 2048;
const IORING_OP_SEND = 26;
const IORING_CQE_F_MORE = 2;
const ENOBUFS = 105;

// user_data, 32 bits: the kind in the top two, then a buffer id (SEND) and the fd (16 bits each
// would not do: 14 for the id, 16 for the fd).
const ACCEPT = 1;
const RECV = 2;
const SEND = 3;
const FD_MASK = 0xffff;
/** The user_data of a request: its kind, a buffer or slot id (SEND only) and the fd. */
const tag = (kind, id, fd) => ((kind << 30) | (id << 16) | fd) >>> 0;

const { fd: listenFd, port } = listenLoopback();
const ring = new Ring(SQ_ENTRIES, mode === 'sync' ? DEFER_TASKRUN : DEFER_TASKRUN_FLAG, 65536);
const buffers = providedBuffers(ring, BUFFERS, BUFFER_SIZE);
const addresses = Array.from({ length: BUFFERS }, (_, bid) => buffers.addressOf(bid));

/** A full SQ ring goes to the kernel before the next SQE. */
function room() {
  if (ring.pending === SQ_ENTRIES) ring.enter(0);
}

// The "rx" mode's connections and send slots (a free list of slot ids; slot memory is a second
// set of 2 KiB buffers, not registered).
const { Subject } = createRequire(new URL('../../packages/core/package.json', import.meta.url))('rxjs');
const connections = [];
const slots = mode === 'rx' ? Buffer.alloc(BUFFERS * BUFFER_SIZE) : undefined;
const slotAddresses = mode === 'rx' ? Array.from({ length: BUFFERS }, (_, i) => bufferAddress(slots.subarray(i * BUFFER_SIZE))) : undefined;
const freeSlots = mode === 'rx' ? Array.from({ length: BUFFERS }, (_, i) => BUFFERS - 1 - i) : undefined;

class Connection {
  constructor(fd) {
    this.fd = fd;
    this.input$ = new Subject();
  }

  write(chunk) {
    const slot = freeSlots.pop();
    if (slot === undefined || chunk.length > BUFFER_SIZE) throw new Error('out of send slots');
    chunk.copy(slots, slot * BUFFER_SIZE);
    room();
    ring.push(IORING_OP_SEND, this.fd, slotAddresses[slot], chunk.length, 0, tag(SEND, slot, this.fd));
  }
}

function accepted(fd) {
  const conn = new Connection(fd);
  connections[fd] = conn;
  conn.input$.subscribe({ next: (chunk) => conn.write(chunk), complete: () => close(fd) });
}

function onCompletionRx(userData, res, flags) {
  const kind = userData >>> 30;
  const fd = userData & FD_MASK;
  if (kind === RECV) {
    if (res > 0) {
      const bid = flags >>> 16;
      const at = bid * BUFFER_SIZE;
      const chunk = Buffer.allocUnsafe(res);
      buffers.data.copy(chunk, 0, at, at + res);
      buffers.giveBack(bid);
      if (!(flags & IORING_CQE_F_MORE)) armRecv(fd);
      connections[fd].input$.next(chunk);
    } else if (res === -ENOBUFS) armRecv(fd);
    else if (!(flags & IORING_CQE_F_MORE)) {
      const conn = connections[fd];
      connections[fd] = undefined;
      conn.input$.complete();
    }
  } else if (kind === SEND) {
    freeSlots.push((userData >>> 16) & 0x3fff);
  } else if (kind === ACCEPT) {
    if (onAccept(res, flags)) accepted(res);
  }
}

function onCompletionRaw(userData, res, flags) {
  const kind = userData >>> 30;
  const fd = userData & FD_MASK;
  if (kind === RECV) {
    if (res > 0) {
      const bid = flags >>> 16;
      room();
      ring.push(IORING_OP_SEND, fd, addresses[bid], res, 0, tag(SEND, bid, fd));
      if (!(flags & IORING_CQE_F_MORE)) armRecv(fd);
    } else if (res === -ENOBUFS) armRecv(fd); // every buffer is out in a SEND: ask again
    else if (!(flags & IORING_CQE_F_MORE)) close(fd); // end of stream or reset
  } else if (kind === SEND) {
    buffers.giveBack((userData >>> 16) & 0x3fff);
  } else if (kind === ACCEPT) {
    onAccept(res, flags);
  }
}

let acceptFailures = 0;

/**
 * An ACCEPT completion: arms the new connection's RECV, and the ACCEPT again if the kernel ended
 * it. Returns whether a connection came. An accept that keeps failing ends the process with the
 * errno, so a round fails visibly instead of spinning with nothing echoed.
 */
function onAccept(res, flags) {
  if (res >= 0) {
    acceptFailures = 0;
    noDelay(res);
    armRecv(res);
  } else if (++acceptFailures > 1000) {
    console.error(`koffi-uring-echo-server: accept keeps failing, errno ${-res}`);
    process.exit(1);
  }
  if (!(flags & IORING_CQE_F_MORE)) {
    room();
    ring.pushMultishotAccept(listenFd, tag(ACCEPT, 0, 0));
  }
  return res >= 0;
}

const onCompletion = mode === 'rx' ? onCompletionRx : onCompletionRaw;

function armRecv(fd) {
  room();
  ring.pushMultishotRecv(fd, tag(RECV, 0, fd));
}

ring.pushMultishotAccept(listenFd, tag(ACCEPT, 0, 0));
console.log(port);

if (mode === 'sync') {
  for (;;) {
    ring.enter(1);
    ring.reap(onCompletion);
  }
} else { // "loop" and "rx"
  const efd = eventfd(0, EFD_NONBLOCK);
  if (efd < 0) throw new Error('eventfd failed');
  ring.registerEventfd(efd);
  const { u32, cqFlags } = ring;
  const counter = Buffer.alloc(8);
  const wake = Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]);
  const handle = Buffer.from(new ArrayBuffer(Number(handleSize(UV_POLL))));
  if (pollInit(defaultLoop(), handle, efd) < 0) throw new Error('uv_poll_init failed');
  // Wake-ups in a row that found deferred work flagged but reaped nothing: a livelock to report.
  let emptyWakeUps = 0;
  const onWakeUp = () => {
    read(efd, counter, 8);
    u32[cqFlags] |= IORING_CQ_EVENTFD_DISABLED;
    let reaped = 0;
    // Each lap submits and runs deferred task work (the RECVs' data runs only inside
    // io_uring_enter(GETEVENTS)), then reaps; at most 32 laps per wake-up, however they end.
    for (let pass = 0; ; pass++) {
      ring.enter(0);
      const n = ring.reap(onCompletion);
      reaped += n;
      if (n > 0 && pass < 31) continue;
      if (ring.pending) ring.enter(0);
      // Unmute with a full barrier, then look again: what was posted while muted signalled nothing.
      Atomics.store(u32, cqFlags, u32[cqFlags] & ~IORING_CQ_EVENTFD_DISABLED);
      const left = u32[ring.cqHead] !== u32[ring.cqTail] || (u32[ring.sqFlags] & IORING_SQ_TASKRUN) !== 0;
      if (!left) break;
      if (pass >= 31) {
        write(efd, wake, 8); // work left after 32 laps: let the loop run its other callbacks first
        break;
      }
      u32[cqFlags] |= IORING_CQ_EVENTFD_DISABLED;
    }
    emptyWakeUps = reaped > 0 ? 0 : emptyWakeUps + 1;
    if (emptyWakeUps > 100_000) {
      throw new Error(`100,000 wake-ups in a row reaped nothing: sq flags ${u32[ring.sqFlags]}, cq head ${u32[ring.cqHead]} tail ${u32[ring.cqTail]}, ${ring.pending} SQEs pending`);
    }
  };
  // A failure inside the koffi callback would otherwise go unseen: say it and end, so the
  // benchmark's round fails with the reason.
  handlers.poll = () => {
    try {
      onWakeUp();
    } catch (error) {
      console.error(`koffi-uring-echo-server ${mode}: ${error?.stack ?? error}`);
      process.exit(1);
    }
  };
  pollStart(handle, UV_READABLE, pollCb);
  ring.enter(0);
}
