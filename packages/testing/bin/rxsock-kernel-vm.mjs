#!/usr/bin/env node
// rxsock-kernel-vm [options] -- CMD [ARGS...]: runs one command as root in a throw-away guest
// kernel with SocketCAN (vcan0, vcan1, vxcan0<->vxcan1 up) and exits with its status.
import { parseArgs } from 'node:util';
import { runInKernelVm } from '../dist/index.js';

const usage = `Usage: rxsock-kernel-vm [options] -- CMD [ARGS...]

Boots Debian's linux-image-amd64 kernel under qemu (software emulation) with the host's / as
its root (read-only, with a throw-away writable overlay), loads SocketCAN (can, can-raw, can-bcm,
can-isotp, can-j1939, can-gw, vcan, vxcan), brings up vcan0, vcan1 and vxcan0<->vxcan1, runs CMD
as root in the current directory and exits with its status.

Options:
  -C, --cwd DIR        working directory in the guest (default: the current one)
  -e, --env NAME=VALUE add to the guest's environment (repeatable)
  -r, --results DIR    a host folder the guest may write to, at the same path (created if missing)
  -t, --timeout SEC    kill the guest after SEC seconds, exit 124 (default 600)
  -m, --memory MIB     guest memory in MiB (default 2048)
  -c, --cpus N         guest CPUs (default 2)
      --qemu PATH      qemu-system-x86_64 to use
      --kernel PATH    kernel image to boot (default: newest /boot/vmlinuz-* with modules)
  -v, --verbose        copy the guest's serial console (kernel messages) to stderr
  -h, --help           this text

Needs the Debian packages qemu-system-x86, linux-image-amd64 and busybox-static.
Exit status: CMD's own; 124 on timeout; 125 when the VM could not run (the reason is printed).
`;

function bad(message) {
  process.stderr.write(`rxsock-kernel-vm: ${message}\n\n${usage}`);
  process.exit(2);
}

function positiveInt(name, text) {
  if (text === undefined) return undefined;
  if (!/^[1-9][0-9]*$/.test(text)) bad(`${name} needs a positive integer, got '${text}'`);
  return Number(text);
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      cwd: { type: 'string', short: 'C' },
      env: { type: 'string', short: 'e', multiple: true },
      results: { type: 'string', short: 'r' },
      timeout: { type: 'string', short: 't' },
      memory: { type: 'string', short: 'm' },
      cpus: { type: 'string', short: 'c' },
      qemu: { type: 'string' },
      kernel: { type: 'string' },
      verbose: { type: 'boolean', short: 'v' },
      help: { type: 'boolean', short: 'h' },
    },
  });
} catch (e) {
  bad(e.message);
}
const { values, positionals } = parsed;
if (values.help) {
  process.stdout.write(usage);
  process.exit(0);
}
if (positionals.length === 0) bad('no command given');
const env = {};
for (const kv of values.env ?? []) {
  const eq = kv.indexOf('=');
  if (eq <= 0) bad(`--env needs NAME=VALUE, got '${kv}'`);
  env[kv.slice(0, eq)] = kv.slice(eq + 1);
}
const timeout = positiveInt('--timeout', values.timeout);
const memoryMiB = positiveInt('--memory', values.memory);
const cpus = positiveInt('--cpus', values.cpus);

try {
  const r = await runInKernelVm({
    command: positionals[0],
    args: positionals.slice(1),
    env,
    stdout: process.stdout,
    stderr: process.stderr,
    ...(values.verbose ? { console: process.stderr } : {}),
    ...(values.cwd !== undefined ? { cwd: values.cwd } : {}),
    ...(values.results !== undefined ? { resultsDir: values.results } : {}),
    ...(timeout !== undefined ? { timeoutMs: timeout * 1000 } : {}),
    ...(memoryMiB !== undefined ? { memoryMiB } : {}),
    ...(cpus !== undefined ? { cpus } : {}),
    ...(values.qemu !== undefined ? { qemu: values.qemu } : {}),
    ...(values.kernel !== undefined ? { kernel: values.kernel } : {}),
  });
  process.exitCode = r.exitCode;
} catch (e) {
  if (e && typeof e.code === 'string' && e.code.startsWith('ERR_RXSOCK_VM_')) {
    process.stderr.write(`rxsock-kernel-vm: ${e.message}\n`);
    process.exitCode = e.code === 'ERR_RXSOCK_VM_TIMEOUT' ? 124 : e.code === 'ERR_RXSOCK_VM_INVALID' ? 2 : 125;
  } else {
    process.stderr.write(`rxsock-kernel-vm: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 125;
  }
}
