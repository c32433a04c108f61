// The kernel VM itself, seen from inside: the CAN interfaces exist and carry frames, checked with
// peers nobody here wrote (can-utils for vcan0/vcan1, python-can for the vxcan pair).
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { reactor } from '@rxsock/core';
import { CAN_INTERFACES, canUtil, python, receiverCount, requireCanKernel, runOk, start, waitForReceiver } from './support/index.js';

beforeAll(() => requireCanKernel());

describe('kernel VM CAN interfaces', () => {
  // The test script runs this suite once per driver: a setting that did not reach the guest's
  // test workers must not pass as tested.
  it('runs the poller driver the environment names', () => {
    expect(reactor().driver).toBe(process.env['RXSOCK_POLLER'] || 'uv_poll');
  });

  it('has vcan0, vcan1 and the vxcan pair up, with their kinds', async () => {
    const links = JSON.parse(await runOk('ip', ['-d', '-j', 'link', 'show'])) as Array<{
      ifname: string;
      flags: string[];
      linkinfo?: { info_kind?: string };
    }>;
    for (const name of CAN_INTERFACES) {
      const link = links.find((l) => l.ifname === name);
      expect(link, name).toBeDefined();
      expect(link!.flags).toContain('UP');
      expect(link!.linkinfo?.info_kind).toBe(name.startsWith('vxcan') ? 'vxcan' : 'vcan');
    }
    // Every SocketCAN protocol module the suite relies on is loaded.
    const modules = readFileSync('/proc/modules', 'utf8');
    for (const m of ['can', 'can_raw', 'can_bcm', 'can_isotp', 'can_j1939', 'can_gw', 'vcan', 'vxcan']) {
      expect(modules).toMatch(new RegExp(`^${m} `, 'm'));
    }
  });

  it.each(['vcan0', 'vcan1'])('%s carries a frame from cansend to candump', async (iface) => {
    const before = receiverCount(iface);
    const dump = start('candump', ['-L', '-n', '1', iface]);
    await waitForReceiver(iface, before);
    const sent = await canUtil('cansend', [iface, '123#DEADBEEF']);
    expect(sent.status).toBe(0);
    const r = await dump.done;
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^\\(\\d+\\.\\d{6}\\) ${iface} 123#DEADBEEF\\n$`));
  });

  it('carries frames across the vxcan pair, both ways (python-can)', async () => {
    const script = `
import can, json
a = can.Bus(interface='socketcan', channel='vxcan0')
b = can.Bus(interface='socketcan', channel='vxcan1')
a.send(can.Message(arbitration_id=0x1ABCDEF0, is_extended_id=True, data=b'\\x01\\x02'))
b.send(can.Message(arbitration_id=0x7FF, is_extended_id=False, data=b'\\xff'))
ra = b.recv(60)
rb = a.recv(60)
print(json.dumps([[m.channel, m.arbitration_id, m.is_extended_id, m.data.hex()] for m in (ra, rb)]))
a.shutdown(); b.shutdown()
`;
    const r = await python(script);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([
      ['vxcan1', 0x1abcdef0, true, '0102'],
      ['vxcan0', 0x7ff, false, 'ff'],
    ]);
  });
});
