// The kernel VM harness, from the host: real boots (few: each is 15-60 s of software emulation),
// output and exit status passed through, the hang guard, and typed errors for missing pieces.
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KernelVmError, runInKernelVm } from '../src/index.js';

const bin = fileURLToPath(new URL('../bin/rxsock-kernel-vm.mjs', import.meta.url));
const BOOT_TEST_MS = 900_000;

function runBin(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe.concurrent('kernel VM boots', () => {
  it('runs a command on a kernel with SocketCAN: cansend -> candump on vcan0, output, results share', { timeout: BOOT_TEST_MS }, async () => {
    const results = mkdtempSync(join(tmpdir(), 'rxsock-vm-test-'));
    try {
      const live: string[] = [];
      // candump -n 1 starts first; the frame is sent once its socket shows in the kernel's receive list.
      const script = [
        'candump -L -n 1 vcan0 > /tmp/dump &',
        'until grep -q "^ *vcan0 " /proc/net/can/rcvlist_all; do sleep 0.1; done',
        'cansend vcan0 123#01',
        'wait',
        'cat /tmp/dump',
        'echo "to stderr" >&2',
        `uname -r > ${results}/uname`,
        'touch /usr/rxsock-writable-root',
      ].join('\n');
      const r = await runInKernelVm({
        command: 'sh',
        args: ['-c', script],
        resultsDir: results,
        stdout: { write: (c) => live.push(String(c)) },
      });
      expect(r.exitCode, `${r.stderr}\n${r.console}`).toBe(0);
      expect(r.stdout).toMatch(/^\(\d+\.\d{6}\) vcan0 123#01\n$/);
      expect(live.join('')).toBe(r.stdout);
      expect(r.stderr).toBe('to stderr\n');
      expect(readFileSync(join(results, 'uname'), 'utf8').trim()).toBe(r.kernelVersion);
      expect(r.kernelVersion).toMatch(/^\d+\.\d+/);
      expect(r.bootMs).toBeGreaterThan(0);
      expect(r.durationMs).toBeGreaterThan(r.bootMs);
    } finally {
      rmSync(results, { recursive: true, force: true });
    }
  });

  it('the bin passes a non-zero exit status through, with --cwd and --env', { timeout: BOOT_TEST_MS }, async () => {
    const r = await runBin(['-C', '/usr/share', '-e', 'GREETING=hi there', '--', 'sh', '-c', 'echo "$PWD $GREETING $RXSOCK_KERNEL_VM"; ls /sys/class/net | grep -c can; exit 7']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('/usr/share hi there 1\n4\n');
    expect(r.status).toBe(7);
  });

  it('kills qemu and throws ERR_RXSOCK_VM_TIMEOUT when the run outlasts timeoutMs', { timeout: 120_000 }, async () => {
    const started = Date.now();
    const e = await runInKernelVm({ command: 'sleep', args: ['1000'], timeoutMs: 2_000 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(KernelVmError);
    expect((e as KernelVmError).code).toBe('ERR_RXSOCK_VM_TIMEOUT');
    expect((e as KernelVmError).message).toMatch(/no result within 2000 ms.*qemu killed/s);
    // Thrown once qemu has exited, not left running behind.
    expect(Date.now() - started).toBeLessThan(60_000);
  });
});

describe('kernel VM errors name what to install', () => {
  it.each([
    ['qemu', { qemu: '/nonexistent/qemu-system-x86_64' }, 'qemu-system-x86'],
    ['kernel', { kernel: '/nonexistent/vmlinuz-6.1.0-99-amd64' }, 'linux-image-amd64'],
    ['a dynamic busybox', { busybox: '/bin/ls' }, 'busybox-static'],
  ] as const)('missing %s', async (_what, override, pkg) => {
    const e = await runInKernelVm({ command: 'true', ...override }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(KernelVmError);
    expect((e as KernelVmError).code).toBe('ERR_RXSOCK_VM_MISSING');
    expect((e as KernelVmError).debianPackage).toBe(pkg);
    expect((e as KernelVmError).message).toContain(`apt-get install ${pkg}`);
  });

  it.each([
    [{ command: '' }, /command must be a non-empty string/],
    [{ command: 'true', timeoutMs: 0 }, /timeoutMs must be a positive number/],
    [{ command: 'true', memoryMiB: 100 }, /memoryMiB must be an integer >= 256/],
    [{ command: 'true', cpus: 0 }, /cpus must be an integer from 1 to 16/],
    [{ command: 'true', cwd: '/nonexistent/dir' }, /cwd \/nonexistent\/dir does not exist/],
  ])('bad option %o', async (options, message) => {
    const e = await runInKernelVm(options).catch((x: unknown) => x);
    expect((e as KernelVmError).code).toBe('ERR_RXSOCK_VM_INVALID');
    expect((e as KernelVmError).message).toMatch(message);
  });
});

// Starting node takes seconds on this shared machine; these spawn it several times.
describe('rxsock-kernel-vm without a boot', { timeout: 180_000 }, () => {
  it('prints usage and exits 2 without a command or with a bad option', () => {
    for (const args of [[], ['--timeout', 'soon', '--', 'true'], ['--bogus', '--', 'true'], ['-e', 'NOEQUALS', '--', 'true']]) {
      const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/^rxsock-kernel-vm: .+\n\nUsage: rxsock-kernel-vm \[options\] -- CMD/);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
  });

  it('--help prints usage to stdout and exits 0', () => {
    const r = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: rxsock-kernel-vm/);
  });

  it('exits 125 naming the Debian package when qemu is missing', () => {
    const r = spawnSync(process.execPath, [bin, '--qemu', '/nonexistent/qemu', '--', 'true'], { encoding: 'utf8' });
    expect(r.status).toBe(125);
    expect(r.stderr).toContain('install the Debian package qemu-system-x86');
  });
});
