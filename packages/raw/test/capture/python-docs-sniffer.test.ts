import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { C, Socket } from '@rxsock/core';
import { createVethLab, type VethLab } from '../support/netns.js';
import { runIn } from '../support/spawn.js';
import { ethernetFrame } from '../support/frames.js';
import { PacketSocket } from '@rxsock/raw';

const EXAMPLE = fileURLToPath(new URL('../../../../examples/python-docs/raw-sniffer.mjs', import.meta.url));

let lab: VethLab;
beforeAll(() => {
  lab = createVethLab('pyd');
});
afterAll(() => lab?.destroy());

const promiscuity = () => JSON.parse(lab.exec('ip', ['-d', '-j', 'link', 'show', lab.ifname]))[0].promiscuity as number;
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("Python's raw-socket sniffer (Linux form), examples/python-docs/raw-sniffer.mjs", () => {
  it('prints the first frame and its address as Python prints (bytes, address), promiscuous meanwhile', async () => {
    const child = runIn(lab.ns, process.execPath, [EXAMPLE]);
    // the example picks the first interface that is not lo: the namespace's veth end
    // it has its socket (in promiscuous mode) once the interface's promiscuity goes up
    for (let i = 0; i < 100 && promiscuity() === 0; i++) await wait(100);
    expect(promiscuity()).toBe(1);
    const udp = lab.insidePeer(() => Socket.create(C.AF_INET, C.SOCK_DGRAM));
    await udp.sendTo(Buffer.from('python sniffer'), [lab.address, 9000]);
    udp.close();
    expect(await child.exited, child.stderr()).toBe(0);
    const out = child.stdout().trim();
    // an ARP request comes first: broadcast (packet type 1), EtherType 0x0806 = 2054, ARPHRD_ETHER
    expect(out).toMatch(new RegExp(`^\\(b'\\\\xff\\\\xff\\\\xff\\\\xff\\\\xff\\\\xff.*', \\('${lab.ifname}', 2054, 1, 1, b'.+'\\)\\)$`));
    expect(promiscuity()).toBe(0);
  });

  it('main() in-process catches a frame sent to another host (promiscuous capture of otherhost)', async () => {
    const sender = lab.insidePeer(() => PacketSocket.open({ interface: lab.peerIfname }));
    try {
      const example = (await import(EXAMPLE)) as { main: (o: object) => Promise<{ text: string; data: Buffer; address: { packetType: string } }> };
      // main() opens its socket synchronously, so inside the namespace
      const got = lab.inside(() => example.main({ iface: lab.ifname, print: false }));
      await wait(300);
      const frame = ethernetFrame('02:00:00:00:00:99', lab.peerMac, 0x88b5, Buffer.from('not for you'));
      await sender.send(frame);
      const r = await got;
      expect(Buffer.from(r.data).equals(frame)).toBe(true);
      expect(r.address.packetType).toBe('otherhost');
      expect(r.text).toContain("not for you");
    } finally {
      sender.close();
    }
  });
});
