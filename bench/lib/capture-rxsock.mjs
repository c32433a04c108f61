// capture benchmark receiver: @rxsock/raw's TPACKET_V3 ring, every block written to a pcap file
// (RingPcapWriter: the block's records copied into one buffer, one write per block). Blocks retire
// after the ring's default timeout (100 ms; tcpdump's libpcap ring waits its 1000 ms timeout), or
// RETIRE_MS when set (10 ms: about twice the CPU per packet at 100k/s); WRITER_BUFFER sets the
// writer's bufferSize (default 1 MiB; 16 and 64 KiB measured the same). Prints "ready"
// once bound, and its counts on SIGTERM.
// usage: capture-rxsock.mjs IFNAME FILE RINGBYTES
import { PacketSocket, RingPcapWriter } from '@rxsock/raw';

const [ifname, file, ringBytes] = process.argv.slice(2);
const blockSize = 1 << 20;
const capture = PacketSocket.open({ interface: ifname, ring: { blockSize, blockCount: Math.max(2, Number(ringBytes) / blockSize), ...(process.env.RETIRE_MS ? { retireTimeoutMs: Number(process.env.RETIRE_MS) } : {}) } });
const writer = new RingPcapWriter(file, process.env.WRITER_BUFFER ? { bufferSize: Number(process.env.WRITER_BUFFER) } : {});
capture.ring.blocks$.subscribe((block) => writer.writeBlock(block));
process.on('SIGTERM', () => {
  const stats = capture.statistics();
  capture.close();
  writer.close();
  console.log(JSON.stringify({ received: writer.packets, kernel: stats }));
  process.exit(0);
});
console.log('ready');
