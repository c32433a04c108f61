#!/usr/bin/env node
// `pnpm test:can`: the whole CAN suite (vitest over packages/can/test) on a kernel with SocketCAN.
// The host's own kernel when it has vcan and we may create interfaces; otherwise ONE boot of the
// kernel VM (@rxsock/testing) runs the suite. Either way vitest's JSON report lands in
// .vitest-can-results.json (or --json FILE) for scripts/test-summary.mjs. When neither can run,
// the suite FAILS, naming the Debian packages to install: it never passes silently.
//
//   node scripts/test-can.mjs [--json FILE] [--host | --vm] [FILTER...] [-- VITEST ARGS...]
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const config = join(root, 'scripts/kernel-vm/vitest.can.config.ts');
const vitest = join(dirname(createRequire(import.meta.url).resolve('vitest/package.json')), 'vitest.mjs');
const PACKAGES = 'qemu-system-x86 linux-image-amd64 busybox-static can-utils python3-can';
// The whole guest run, boot included, must end by then; a hang is killed and reported.
const VM_TIMEOUT_MS = Number(process.env.RXSOCK_CAN_TIMEOUT_MS ?? 30 * 60_000);

const usage = 'usage: node scripts/test-can.mjs [--json FILE] [--host | --vm] [FILTER...] [-- VITEST ARGS...]';
const argv = process.argv.slice(2);
let json = join(root, '.vitest-can-results.json');
let mode = 'auto';
const vitestArgs = [];
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--') {
    vitestArgs.push(...argv.slice(i + 1));
    break;
  } else if (a === '--json' && argv[i + 1]) json = resolve(argv[++i]);
  else if (a === '--host' || a === '--vm') mode = a.slice(2);
  else if (!a.startsWith('-')) vitestArgs.push(a); // a test file filter
  else {
    console.error(`test-can: unknown argument '${a}'\n${usage}`);
    process.exit(2);
  }
}

function fail(message) {
  console.error(`\ntest-can: FAILED: ${message}`);
  process.exit(1);
}

// A stale report must never count for this run.
rmSync(json, { force: true });

if (!process.env.RXSOCK_SKIP_BUILD) {
  try {
    execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  } catch {
    fail('the build (tsc -b tsconfig.build.json) failed; see above');
  }
}
// The packages load dist/index.bundle.js (scripts/bundle.mjs): remade wherever dist is newer.
try {
  execFileSync(process.execPath, [join(root, 'scripts/bundle.mjs'), '--if-stale', '--quiet'], { stdio: 'inherit' });
} catch {
  fail('bundling the packages (scripts/bundle.mjs) failed; see above');
}

const ip = (...args) => spawnSync('ip', args, { encoding: 'utf8' });

/** True when this kernel can make a vcan interface here and now (module present, CAP_NET_ADMIN). */
function hostHasVcan() {
  const probe = `rxsockprobe${process.pid % 10000}`;
  if (ip('link', 'add', 'dev', probe, 'type', 'vcan').status !== 0) return false;
  ip('link', 'del', 'dev', probe);
  return true;
}

const reporterArgs = (file) => ['--reporter=default', '--reporter=json', `--outputFile.json=${file}`];

function runOnHost() {
  console.log('test-can: this kernel has vcan: running the CAN suite on the host');
  const created = [];
  const ensure = (name, ...type) => {
    if (ip('link', 'show', 'dev', name).status === 0) return;
    if (ip('link', 'add', 'dev', name, ...type).status !== 0) fail(`cannot create ${name} on this host`);
    created.push(name);
  };
  ensure('vcan0', 'type', 'vcan');
  ensure('vcan1', 'type', 'vcan');
  ensure('vxcan0', 'type', 'vxcan', 'peer', 'name', 'vxcan1');
  for (const n of ['vcan0', 'vcan1', 'vxcan0', 'vxcan1']) ip('link', 'set', n, 'up');
  try {
    const r = spawnSync(process.execPath, [vitest, 'run', '--config', config, ...reporterArgs(json), ...vitestArgs], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, RXSOCK_SKIP_BUILD: '1' },
    });
    return r.status ?? 1;
  } finally {
    for (const n of created) ip('link', 'del', 'dev', n);
  }
}

async function runInVm() {
  let testing;
  try {
    testing = await import('@rxsock/testing');
  } catch (e) {
    fail(`cannot load @rxsock/testing (build it: npx tsc -b packages/testing): ${e.message}`);
  }
  const results = mkdtempSync(join(tmpdir(), 'rxsock-can-results-'));
  const report = join(results, 'can.json');
  // The guest sees the host's environment only as passed here.
  // Colours only when the host prints to a terminal (the guest's output is always a pipe).
  const env = { RXSOCK_SKIP_BUILD: '1', ...(process.stdout.isTTY ? { FORCE_COLOR: '1' } : { NO_COLOR: '1' }) };
  for (const [k, v] of Object.entries(process.env)) if ((k.startsWith('RXSOCK_') || k === 'CI') && v !== undefined) env[k] = v;
  console.log('test-can: this kernel has no vcan: running the CAN suite in the kernel VM (one boot; software emulation, expect minutes)');
  const started = Date.now();
  try {
    const r = await testing.runInKernelVm({
      command: process.execPath,
      args: [vitest, 'run', '--config', config, ...reporterArgs(report), ...vitestArgs],
      cwd: root,
      env,
      resultsDir: results,
      timeoutMs: VM_TIMEOUT_MS,
      stdout: process.stdout,
      stderr: process.stderr,
    });
    console.log(
      `test-can: guest kernel ${r.kernelVersion}: boot to command ${(r.bootMs / 1000).toFixed(1)} s, whole run ${((Date.now() - started) / 1000).toFixed(1)} s, vitest exit ${r.exitCode}`,
    );
    if (existsSync(report)) copyFileSync(report, json);
    else fail(`vitest in the guest wrote no report (${report}); exit status ${r.exitCode}`);
    return r.exitCode;
  } catch (e) {
    if (e?.code === 'ERR_RXSOCK_VM_MISSING') {
      fail(`the CAN suite cannot run: this kernel has no vcan and the kernel VM is missing a piece.\n  ${e.message}\n  The kernel VM needs the Debian packages: apt-get install ${PACKAGES}`);
    }
    fail(`the kernel VM could not run the CAN suite: ${e?.message ?? e}`);
  } finally {
    rmSync(results, { recursive: true, force: true });
  }
}

const status = mode === 'host' || (mode === 'auto' && hostHasVcan()) ? runOnHost() : await runInVm();
process.exit(status);
