/**
 * Cross-checks with scapy (Debian's python3-scapy), a peer nobody here wrote: packets scapy
 * builds decode here to scapy's fields with valid checksums, and packets built here parse in
 * scapy to the same fields, with the checksums scapy computes itself. One python process per
 * direction (scapy takes seconds to import), JSON over stdin/stdout.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildPacket, decodePacket, type LayerFields, type LinkLayer } from '../../src/index.js';
import { bytes, packetLayers } from './support/arbitraries.js';
import { snapshot } from './support/fields.js';

const PYTHON = '/usr/bin/python3';
const BRIDGE = fileURLToPath(new URL('./support/scapy_bridge.py', import.meta.url));

function scapy<T>(request: unknown): T {
  const run = spawnSync(PYTHON, [BRIDGE], { input: JSON.stringify(request), encoding: 'utf8', maxBuffer: 256 << 20, timeout: 120_000 });
  if (run.error || run.status !== 0) {
    throw new Error(`scapy bridge failed (needs Debian's python3-scapy under ${PYTHON}): ${run.error?.message ?? run.stderr}`);
  }
  return JSON.parse(run.stdout) as T;
}

type Fields = Record<string, Record<string, unknown> | unknown[]>;

/** Every field scapy reported equals ours; `recomputed` (scapy's own checksum) equals the checksum carried. */
function expectSameFields(ours: Record<string, unknown>, theirs: Fields, label: string): void {
  for (const [layer, value] of Object.entries(theirs)) {
    if (layer === 'payload') {
      expect(ours.payload, `${label}: payload`).toEqual(value);
      continue;
    }
    const mine = ours[layer] as Record<string, unknown> | undefined;
    expect(mine, `${label}: layer ${layer} decoded here`).toBeDefined();
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      if (key === 'recomputed') expect(mine?.checksum, `${label}: ${layer} checksum vs scapy's own`).toBe(v);
      else expect(mine?.[key], `${label}: ${layer}.${key}`).toEqual(v);
    }
    if (mine && 'checksumValid' in mine) expect(mine.checksumValid, `${label}: ${layer} checksum valid here`).toBe(true);
  }
}

describe('scapy cross-checks', () => {
  it('packets scapy builds decode here to the same fields, checksums valid', () => {
    const generated = scapy<{ hex: string; link: 'ethernet' | 'ip'; fields: Fields }[]>({ op: 'generate', count: 400, seed: 20261203 });
    expect(generated.length).toBe(400);
    const seen = new Set<string>();
    for (const [i, g] of generated.entries()) {
      const p = decodePacket(Buffer.from(g.hex, 'hex'), g.link as LinkLayer);
      expect(p.error, `packet ${i}`).toBeUndefined();
      const ours = snapshot(p);
      for (const l of p.layers) seen.add(l);
      expectSameFields(ours, g.fields, `scapy packet ${i} ${g.hex}`);
    }
    // The sample covered every layer.
    expect([...seen].sort()).toEqual(['arp', 'ethernet', 'icmp', 'icmpv6', 'ipv4', 'ipv6', 'ipv6-extension', 'tcp', 'udp', 'vlan']);
  }, 120_000);

  it('packets built here parse in scapy to the same fields, with the checksums scapy computes', () => {
    const cases = fc.sample(fc.tuple(packetLayers, bytes(48)), { numRuns: 400, seed: 42 });
    const packets = cases.map(([layers, payload]) => ({ layers, built: buildPacket(layers, payload) }));
    const parsed = scapy<Fields[]>({
      op: 'parse',
      packets: packets.map(({ layers, built }) => ({ hex: built.toString('hex'), link: layers[0]?.layer === 'ethernet' ? 'ethernet' : 'ip' })),
    });
    expect(parsed.length).toBe(packets.length);
    packets.forEach(({ layers, built }, i) => {
      const ours = snapshot(decodePacket(built, (layers[0] as LayerFields).layer === 'ethernet' ? 'ethernet' : 'ip'));
      const theirs = parsed[i] as Fields;
      // scapy found every layer we built.
      for (const l of layers) expect(Object.keys(theirs), `packet ${i} ${built.toString('hex')}`).toContain(l.layer);
      expectSameFields(ours, theirs, `our packet ${i} ${built.toString('hex')}`);
    });
  }, 120_000);
});
