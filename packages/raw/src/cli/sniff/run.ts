/**
 * `rxsock-raw sniff`: a tcpdump for the common cases, on the packet socket's TPACKET_V3 ring.
 * One summary line per packet on stdout (or the packets into a pcap/pcapng file with -w), and
 * tcpdump's three-line report on stderr at the end (-c reached, SIGINT or SIGTERM).
 */
import { ifNameToIndex, SocketError } from '@rxsock/core';
import { PacketSocket } from '../../capture/socket.js';
import { createPacketCaptureFile, type PacketCaptureWriter } from '../../file/packet-file.js';
import { parseSniffArgs, SNIFF_USAGE, UsageError, type SniffArgs } from './args.js';
import { PacketSummary } from './summary.js';

/** `PACKET_OUTGOING`. */
const OUTGOING = 4;

/** Where the command writes; injectable for tests. */
export interface SniffIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Resolves when the user interrupts (SIGINT/SIGTERM). */
  interrupted: Promise<void>;
}

function defaultIo(): SniffIo {
  let stop!: () => void;
  const interrupted = new Promise<void>((r) => (stop = r));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return { stdout: process.stdout, stderr: process.stderr, interrupted };
}

/** Runs the command; resolves with the exit status. Never throws. */
export async function sniffMain(argv: readonly string[], io: SniffIo = defaultIo()): Promise<number> {
  let args: SniffArgs;
  try {
    args = parseSniffArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`rxsock-raw sniff: ${error.message}\n${SNIFF_USAGE}`);
    return 1;
  }
  if (args.help) {
    io.stdout.write(SNIFF_USAGE);
    return 0;
  }
  try {
    return await capture(args, io);
  } catch (error) {
    const message = error instanceof SocketError ? `${error.message}${error.code && !error.message.includes(error.code) ? ` (${error.code})` : ''}` : String((error as Error)?.message ?? error);
    io.stderr.write(`rxsock-raw sniff: ${message}\n`);
    return 1;
  }
}

async function capture(args: SniffArgs, io: SniffIo): Promise<number> {
  const all = args.interface === 'any';
  const socket = PacketSocket.open({
    ...(all ? {} : { interface: args.interface }),
    promiscuous: args.promiscuous && !all,
    ...(args.expression !== undefined ? { filter: args.expression } : {}),
    snapLength: args.snapLength,
    ring: { blockSize: 1 << 18, blockCount: 16, retireTimeoutMs: 10 },
  });
  let file: PacketCaptureWriter | undefined;
  let captured = 0;
  const summary = new PacketSummary();
  try {
    if (args.writeFile !== undefined) {
      // pcap or pcapng by the file name; pcapng also records the interface's name, the filter
      // and each packet's direction
      file = createPacketCaptureFile(args.writeFile, {
        snapLen: args.snapLength,
        interfaceName: args.interface,
        ...(args.expression !== undefined ? { filter: args.expression } : {}),
      });
      io.stderr.write(`rxsock-raw: listening on ${args.interface}, link-type EN10MB (Ethernet), snapshot length ${args.snapLength} bytes\n`);
    } else {
      io.stderr.write(`rxsock-raw: verbose output suppressed, use tcpdump -v for full protocol decode\nlistening on ${args.interface}, link-type EN10MB (Ethernet), snapshot length ${args.snapLength} bytes\n`);
    }
    const limit = args.count ?? Infinity;
    // libpcap drops the outgoing copy of loopback traffic, which the kernel also delivers as
    // incoming: every packet would show twice.
    const loopback = ifNameToIndex('lo');
    let lines = '';
    const done = new Promise<void>((resolve, reject) => {
      let finished = false;
      // The first blocks may be handed over inside subscribe(), before `sub` is assigned.
      const sub = socket.ring!.blocks$.subscribe({
        next: (block) => {
          let full = false;
          block.forEach((p) => {
            if (captured >= limit) return;
            if (p.packetTypeNumber === OUTGOING && p.interfaceIndex === loopback) return;
            captured++;
            const data = p.data;
            const length = p.length + (p.vlan === null ? 0 : 4);
            if (file) full = !file.write({ timestamp: p.timestamp, data, length, packetType: p.packetType }) || full;
            else lines += summary.line(p.timestamp, data, length) + '\n';
          });
          // a disk slower than the traffic holds the ring: the kernel drops and counts, as it does for tcpdump
          if (full && file) {
            block.hold();
            void file.drain().then(() => block.release());
          }
          if (lines !== '') {
            io.stdout.write(lines);
            lines = '';
          }
          if (captured >= limit && !finished) {
            finished = true;
            resolve();
          }
        },
        error: reject,
        complete: resolve,
      });
      void io.interrupted.then(() => resolve());
    });
    await done;
  } finally {
    const stats = socket.statistics();
    socket.close();
    if (file) await file.close();
    io.stderr.write(`\n${captured} packet${captured === 1 ? '' : 's'} captured\n${stats.received} packet${stats.received === 1 ? '' : 's'} received by filter\n${stats.dropped} packet${stats.dropped === 1 ? '' : 's'} dropped by kernel\n`);
  }
  return 0;
}
