// What each result of `pnpm bench` measures, as its row of the README's table says it
// (bench/table.mjs). A result the table does not know stops the table: every benchmark says
// what its rows are. Figures beside the medians come from the result's own JSON line.

const percent = (x) => `${(x * 100).toFixed(x < 0.001 ? 3 : 2)}%`;
const pingpongVsC = 'one-byte TCP ping-pong on loopback, client and server in one process';

/** The row text of each result name; `r` is the result's JSON line. */
const rows = {
  // tcp-pingpong.bench.mjs
  'tcp-pingpong': () => `${pingpongVsC}: the core \`Socket\`'s awaited \`send\`/\`recvInto\`, against node:net's 'data' → write()`,
  'tcp-pingpong-connection': () => 'the same through @rxsock/inet: `Connection.input$` → `write()` at both ends',
  'tcp-pingpong-after-bulk': () => 'the core `Socket` exchange on a connection that first carried 8 MiB (a keep-alive connection after one big body)',
  'tcp-pingpong-connection-after-bulk': () => 'the `Connection` exchange on a connection that first echoed 8 MiB',
  'tcp-pingpong-vs-c': (r) => `the core \`Socket\` against a C program (one epoll set, read/write per wake-up; goal ${r.goal})`,
  'tcp-pingpong-connection-vs-c': (r) => `\`Connection.input$\` against the C program (goal ${r.goal})`,
  'tcp-pingpong-koffi-floor-vs-c': () => 'koffi floor, no rxsock code: a `uv_poll_t` per end, read/write through koffi, against C',
  'tcp-pingpong-koffi-sync-floor-vs-c': () => "synchronous koffi floor: C's loop in JavaScript, its six calls through koffi, no event loop, against C",
  'tcp-pingpong-koffi-uring-sync-floor-vs-c': () => 'io_uring through koffi, synchronous (io_uring_enter waits), no event loop, against C',
  'tcp-pingpong-koffi-uring-multishot-sync-floor-vs-c': () => 'the same with multishot RECVs on provided buffers, against C',
  'tcp-pingpong-koffi-uring-multishot-loop-floor-vs-c': () => "io_uring with multishot RECVs through koffi in Node's loop (an eventfd on a `uv_poll_t`), no driver code, against C",
  'tcp-pingpong-koffi-uring-promises-vs-c': () => "the Socket round's awaited calls over that io_uring loop (the promise floor), against C",
  'tcp-pingpong-koffi-uring-poll-loop-floor-vs-c': () => 'readiness from io_uring (multishot POLL_ADD) and read/write through koffi in Node\'s loop, against C',
  'tcp-pingpong-koffi-uring-poll-promises-vs-c': () => "the Socket round's awaited calls over that readiness loop, against C",
  'tcp-pingpong-koffi-uring-loop-floor-vs-c': () => "io_uring with single-shot RECVs through koffi in Node's loop (eventfd), against C",
  'tcp-pingpong-koffi-uring-ringfd-floor-vs-c': () => "the same watching the ring's own fd instead of an eventfd, against C",
  'tcp-pingpong-c-uring-vs-c': () => 'C on io_uring (single-shot RECVs) against C on epoll: what the kernel allows a completion loop',
  'tcp-pingpong-c-uring-multishot-vs-c': () => 'C on io_uring with multishot RECVs against C on epoll',
  'tcp-pingpong-node-vs-c': () => 'node:net itself (in the rxsock column) against C',
  'tcp-pingpong-cpu': () => 'the core `Socket` exchange: CPU of the process (both ends, user + system) per round trip',
  'tcp-pingpong-connection-cpu': () => 'the `Connection` exchange: CPU of the process per round trip',
  // tcp-throughput.bench.mjs
  'tcp-throughput': (r) =>
    `1 GiB over TCP between two processes on loopback; CPU per GiB: receiver ${seconds(r.rxsockCpu.receiverS)} against ${seconds(r.peerCpu.receiverS)}, sender ${seconds(r.rxsockCpu.senderS)} against ${seconds(r.peerCpu.senderS)}`,
  // tcp-echo-10k.bench.mjs
  'tcp-echo-10k': (r) =>
    `10,000 connections in a closed loop, 100-byte echoes, one C load generator: messages per server CPU-second, \`tcpServer\` against a node:net server (goal ${r.goal}); ` +
    `server CPU per message ${usSplit(r.cpuPerMessageUs.rxsock)} against ${usSplit(r.cpuPerMessageUs.net)}`,
  'tcp-echo-10k-rate': () => 'the same: messages per second (the load generator shares the 2 cores)',
  'tcp-echo-10k-vs-c-epoll': (r) => `\`tcpServer\` against a C epoll echo server (itself ${r.referenceOverNodeNet}x node:net)`,
  'tcp-echo-10k-vs-koffi-epoll': (r) => `against the C epoll loop written in JavaScript through koffi, no rxsock code (${r.referenceOverNodeNet}x node:net)`,
  'tcp-echo-10k-vs-c-io_uring': (r) => `against a C io_uring echo server (${r.referenceOverNodeNet}x node:net)`,
  'tcp-echo-10k-vs-koffi-io_uring': (r) => `against that io_uring loop in JavaScript through koffi (${r.referenceOverNodeNet}x node:net)`,
  'tcp-echo-10k-vs-koffi-io_uring-subject': (r) => `against the same with an RxJS Subject per connection (${r.referenceOverNodeNet}x node:net)`,
  // tcp-idle-connections.bench.mjs
  'tcp-idle-connections': (r) => `${r.connections.toLocaleString('en-US')} idle TCP connections held by a server: RSS per connection`,
  'tcp-idle-connections-heap': () => 'the same: JavaScript heap per connection',
  // udp-receive.bench.mjs
  'udp-receive': (r) =>
    `${r.size}-byte datagrams at ${r.rate.toLocaleString('en-US')}/s into a default \`udpSocket()\`: receiver CPU per datagram (goal: ${r.goal}); ` +
    `worst loss ${percent(r.rxsockSides[0].lossWorst ?? r.rxsockSides[0].loss)} against ${percent(r.peerSide.lossWorst ?? r.peerSide.loss)}`,
  'udp-receive-edge': () => 'the same with `batchDelayMs: 0` (a read at every edge)',
  'udp-receive-delay': () => 'the same with a fixed `batchDelayMs: 1`',
  // udp-pingpong.bench.mjs
  'udp-pingpong': (r) => `${r.size}-byte UDP request/response on loopback, \`udpSocket()\` defaults (goal: ${r.goal})`,
  'udp-pingpong-cpu': () => 'the same: CPU of the process per round trip',
  // backpressure.bench.mjs
  backpressure: (r) =>
    `1 GiB from a fast node:net producer into a 50 MB/s consumer, \`consumeChunks\`' defaults: the consumer's peak RSS (every byte checked by sha256); ` +
    `its CPU ${r.rxsockSide.consumerCpuUserS} + ${r.rxsockSide.consumerCpuSystemS} s against ${r.peerSide.consumerCpuUserS} + ${r.peerSide.consumerCpuSystemS} (user + system)`,
  'backpressure-recycle': () => 'the same with `consumeChunks({ recycle: true })`',
  'backpressure-growth': () => "the defaults' peak RSS over each consumer's own idle baseline",
  // tls-throughput.bench.mjs
  'tls-throughput': (r) => `1 GiB of ${r.protocol} between processes: \`connectTls\`/\`tlsServer\` against node:tls on node:net`,
  'tls-throughput-cpu-receiver': () => 'the same: receiver CPU per GiB',
  'tls-throughput-cpu-sender': () => 'the same: sender CPU per GiB',
  'tls-throughput-duplex': () => 'node:tls over `toDuplex(connection)`, the path any rxsock stream can take',
  'tls-throughput-cpu-receiver-duplex': () => 'the same: receiver CPU per GiB',
  'tls-throughput-cpu-sender-duplex': () => 'the same: sender CPU per GiB',
  'tls-throughput-duplex-vs-js-stream': () => 'the `toDuplex` path against the floor of node:tls over any JS stream',
  'tls-throughput-cpu-receiver-duplex-vs-js-stream': () => 'the same: receiver CPU per GiB',
  'tls-throughput-cpu-sender-duplex-vs-js-stream': () => 'the same: sender CPU per GiB',
  // duplex-throughput.bench.mjs
  'duplex-write-cpu': (r) => `\`toDuplex\` without TLS: CPU per GiB written in ${r.ioSize / 1024} KiB writes`,
  'duplex-write-cpu-vs-net': () => 'the same',
  'duplex-read-cpu': () => "`toDuplex({ lendChunks: true })`: CPU per GiB read by a copying 'data' listener",
  'duplex-read-cpu-vs-net': () => 'the same',
  // http-requests.bench.mjs
  'http-requests': (r) => `\`wrk\` keep-alive (${r.connections} connections) against node:http fed connections by rxsock (\`serveHttp\`) and by node:net`,
  'http-requests-cpu': () => 'the same: server CPU per request',
  // capture.bench.mjs
  'capture-cpu-per-packet': (r) => `64-byte frames at ${r.rate.toLocaleString('en-US')}/s over a veth pair into a TPACKET_V3 ring with its defaults, written as pcap: receiver CPU per packet`,
  'capture-cpu-per-packet-vs-cap': () => 'the same against npm `cap` (libpcap through its node-gyp addon, counting only)',
  'capture-loss-free-rate': (r) => `highest loss-free rate tried (${r.rates[0].toLocaleString('en-US')} to ${r.rates.at(-1).toLocaleString('en-US')}/s)${r.senderLimited ? '; undecided: a side that never lost was limited by the sender' : ''}`,
  'capture-loss-free-rate-vs-cap': () => 'the same against npm `cap`',
  // can-receive.bench.mjs (in the kernel VM)
  'can-receive': (r) => `${r.frames.toLocaleString('en-US')} CAN frames waiting on vcan in the kernel VM, read by a receiver that has been running: CPU per frame`,
  'can-receive-python-can': () => 'the same against python-can `Bus.recv()`',
  'can-receive-cold': () => 'the same with a receiver just started',
  // can-decode.bench.mjs
  'can-decode': (r) => `DBC signals decoded on the host, ${r.messages} messages and ${r.signals} signals (${r.disagreements.toLocaleString('en-US')} values differ from candied's: see below)`,
};

/** The row text of a result; throws for a result no row describes. */
export function describeRow(r) {
  const describe = rows[r.name];
  if (!describe) throw new Error(`bench/rows.mjs describes no result named ${r.name}: add its row`);
  return describe(r);
}

function seconds(x) {
  return `${x.toFixed(2)} s`;
}

function usSplit(split) {
  return `${split.userUs.toFixed(2)} + ${split.systemUs.toFixed(2)} us (user + system)`;
}
