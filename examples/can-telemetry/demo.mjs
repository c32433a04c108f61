#!/usr/bin/env node
// `pnpm demo:can`: the CAN telemetry demo from the command line. Runs where SocketCAN is: here
// when the interface exists (or this kernel can make a vcan), otherwise in rxsock's kernel VM.
import { parseArgs } from 'node:util';
import { where } from './where.mjs';

const usage = `Usage: node examples/can-telemetry/demo.mjs [options]

Simulated ECUs send cyclic CAN messages through the kernel's broadcast manager; a pipeline
decodes them with telemetry.dbc, prints per-signal rates and min/mean/max per window, forwards
every decoded frame as a JSON line over UDP to a subscriber on 127.0.0.1, and checks at the end
that nothing was lost. Exit status 0 when every count matches, 1 when one does not (the
message and the counts are printed), 2 for bad options.

Options:
  -d, --duration SEC   seconds of ECU traffic (default 10)
  -w, --window MS      window of the live figures, milliseconds (default 2000)
  -i, --interface IF   CAN interface (default vcan0)
      --here           run on this kernel (fail if it has no CAN) instead of deciding
      --vm             run in the kernel VM even if this kernel has CAN
  -h, --help           this text
`;

function bad(message) {
  process.stderr.write(`demo: ${message}\n\n${usage}`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      duration: { type: 'string', short: 'd', default: '10' },
      window: { type: 'string', short: 'w', default: '2000' },
      interface: { type: 'string', short: 'i', default: 'vcan0' },
      here: { type: 'boolean' },
      vm: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (e) {
  bad(e.message);
}
if (values.help) {
  process.stdout.write(usage);
  process.exit(0);
}
const durationSec = Number(values.duration);
const windowMs = Number(values.window);
if (!(durationSec > 0 && durationSec <= 3600)) bad(`--duration needs seconds between 0 and 3600, got '${values.duration}'`);
if (!(windowMs >= 100)) bad(`--window needs at least 100 ms, got '${values.window}'`);
if (!/^[\w.-]{1,15}$/.test(values.interface)) bad(`--interface needs an interface name, got '${values.interface}'`);
if (values.here && values.vm) bad('--here and --vm exclude each other');

const place = where(values.interface, values.here ? 'here' : values.vm ? 'vm' : 'auto');
if (place.kind === 'vm') {
  // Same options, in the guest, where this script finds the interface and runs the demo.
  process.exit(place.run(['--here', '--duration', String(durationSec), '--window', String(windowMs), '--interface', values.interface]));
}
if (place.kind === 'none') {
  process.stderr.write(`demo: ${place.reason}\n`);
  process.exit(1);
}

const { runTelemetryDemo } = await import('./telemetry.mjs');
let status = 1;
try {
  const summary = await runTelemetryDemo({ interface: values.interface, durationSec, windowMs });
  status = summary.ok ? 0 : 1;
} catch (e) {
  process.stderr.write(`demo: failed: ${e.code ? `${e.code}: ` : ''}${e.message}\n`);
} finally {
  place.cleanup?.();
}
process.exit(status);
