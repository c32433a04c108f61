/**
 * `runInKernelVm`: boots the host's Debian kernel under qemu (software emulation), with the
 * host's `/` as the guest's root, SocketCAN loaded and vcan0, vcan1 and a vxcan pair up, runs one
 * command as root and hands back its output and exit status.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket as NetSocket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { KernelVmError } from './errors.js';
import { findHost } from './host.js';
import { defaultCacheDir, ensureInitramfs } from './initramfs.js';
import { bootableKernel } from './kernel-image.js';
import { MOUNT_TAGS } from './init-script.js';
import { PORT_NAMES, shellQuote, stage2Script } from './stage2.js';

/** Something output can be copied to as it arrives, such as `process.stdout`. */
export interface OutputSink {
  write(chunk: Buffer | string): unknown;
}

/** Options of {@link runInKernelVm}. Only `command` is required. */
export interface KernelVmOptions {
  /** The program to run in the guest, found on the guest's `PATH` (the host's, plus sbin). */
  command: string;
  /** Its arguments. */
  args?: readonly string[];
  /** Working directory in the guest; the guest sees the host's files at the same paths. Default: `process.cwd()`. */
  cwd?: string;
  /**
   * Environment added to the guest's defaults: the host's `PATH` (with `/usr/sbin` and `/sbin`
   * appended when missing), the host's `HOME`, `LANG=C.UTF-8` and `RXSOCK_KERNEL_VM=1`.
   * Nothing else of the host's environment is passed.
   */
  env?: Readonly<Record<string, string>>;
  /** Kills qemu and throws `ERR_RXSOCK_VM_TIMEOUT` after this long. Default 600000 (10 min). */
  timeoutMs?: number;
  /** Guest memory. Default 2048 MiB (node plus vitest with two workers fit). */
  memoryMiB?: number;
  /** Guest CPUs. Default 2. */
  cpus?: number;
  /**
   * A host folder the guest can write to, mounted in the guest at the same path (created when
   * missing). Everything else the guest writes goes to a tmpfs and is gone after the run.
   */
  resultsDir?: string;
  /** Live copies of the command's stdout and stderr (both are also returned). */
  stdout?: OutputSink;
  stderr?: OutputSink;
  /** Live copy of the guest's serial console (kernel messages, the harness's own lines). */
  console?: OutputSink;
  /** Override the qemu binary (default `qemu-system-x86_64` on `PATH`). */
  qemu?: string;
  /** Override the kernel image (default the newest `/boot/vmlinuz-*` with its modules installed). */
  kernel?: string;
  /** Override the static busybox (default `/bin/busybox`). */
  busybox?: string;
  /** Extra qemu arguments, appended (a later `-cpu` or `-smp` overrides ours). */
  qemuArgs?: readonly string[];
  /** Where the built initramfs is cached. Default `~/.cache/rxsock/kernel-vm`. */
  cacheDir?: string;
  /**
   * Give the guest a writable root: the host's `/` read-only under a tmpfs overlay. Default
   * true; false leaves the root read-only with tmpfs on `/tmp`, `/root` and `/var/tmp`.
   */
  overlay?: boolean;
}

/** What {@link runInKernelVm} hands back once the command has exited. */
export interface KernelVmResult {
  /** The command's exit status (127 when it was not found, 128+N when killed by signal N). */
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The guest's serial console. */
  console: string;
  /** The guest kernel's version, such as `6.1.0-57-amd64`. */
  kernelVersion: string;
  /** Milliseconds from starting qemu until the command started in the guest. */
  bootMs: number;
  /** Milliseconds from starting qemu until it exited. */
  durationMs: number;
}

/** qemu's option syntax: a comma inside a value is written twice. */
function qemuValue(s: string): string {
  return s.replace(/,/g, ',,');
}

function check(cond: boolean, message: string): void {
  if (!cond) throw new KernelVmError(`kernel VM: ${message}`, { code: 'ERR_RXSOCK_VM_INVALID' });
}

function guestEnv(extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  const path = (process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(':').filter(Boolean);
  for (const d of ['/usr/local/sbin', '/usr/sbin', '/sbin']) if (!path.includes(d)) path.push(d);
  return { PATH: path.join(':'), HOME: process.env.HOME || '/root', LANG: 'C.UTF-8', RXSOCK_KERNEL_VM: '1', ...extra };
}

/**
 * Runs one command as root in a throw-away Linux guest that has SocketCAN: Debian's
 * `linux-image-amd64` kernel booted by `qemu-system-x86_64 -accel tcg`, the host's `/` as its
 * (read-only, overlaid) root, the CAN modules loaded (can, can-raw, can-bcm, can-isotp, can-j1939,
 * can-gw, vcan, vxcan) and `vcan0`, `vcan1`, `vxcan0`<->`vxcan1` up. Resolves when the command has
 * exited, with its status; the guest has no network interface but loopback and the CAN ones.
 *
 * @throws {@link KernelVmError} `ERR_RXSOCK_VM_MISSING` naming the Debian package
 * (`qemu-system-x86`, `linux-image-amd64`, `busybox-static`) when the host lacks a piece,
 * `ERR_RXSOCK_VM_TIMEOUT` when the run exceeded `timeoutMs` (qemu is killed),
 * `ERR_RXSOCK_VM_BOOT` or `ERR_RXSOCK_VM_CRASH` when the guest failed before reporting a status.
 *
 * @example
 * ```ts
 * const r = await runInKernelVm({ command: 'candump', args: ['-n', '1', 'vcan0'], timeoutMs: 120_000 });
 * ```
 */
export async function runInKernelVm(options: KernelVmOptions): Promise<KernelVmResult> {
  check(typeof options.command === 'string' && options.command.length > 0, 'command must be a non-empty string');
  const timeoutMs = options.timeoutMs ?? 600_000;
  const memoryMiB = options.memoryMiB ?? 2048;
  const cpus = options.cpus ?? 2;
  check(Number.isFinite(timeoutMs) && timeoutMs > 0, `timeoutMs must be a positive number, got ${timeoutMs}`);
  check(Number.isInteger(memoryMiB) && memoryMiB >= 256, `memoryMiB must be an integer >= 256, got ${memoryMiB}`);
  check(Number.isInteger(cpus) && cpus >= 1 && cpus <= 16, `cpus must be an integer from 1 to 16, got ${cpus}`);
  const cwd = resolve(options.cwd ?? process.cwd());
  check(existsSync(cwd), `cwd ${cwd} does not exist`);

  const host = findHost({
    ...(options.qemu !== undefined ? { qemu: options.qemu } : {}),
    ...(options.kernel !== undefined ? { kernel: options.kernel } : {}),
    ...(options.busybox !== undefined ? { busybox: options.busybox } : {}),
  });
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const initrd = ensureInitramfs(host, cacheDir);
  const kernel = bootableKernel(host.kernel, host.kernelVersion, cacheDir);

  const control = mkdtempSync(join(tmpdir(), 'rxsock-vm-'));
  const resultsDir = options.resultsDir !== undefined ? resolve(options.resultsDir) : undefined;
  if (resultsDir) mkdirSync(resultsDir, { recursive: true });
  try {
    writeFileSync(
      join(control, 'config'),
      [
        `RXSOCK_VM_CONTROL=${shellQuote(control)}`,
        `RXSOCK_VM_RESULTS=${shellQuote(resultsDir ?? '')}`,
        `RXSOCK_VM_OVERLAY=${options.overlay === false ? 0 : 1}`,
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(control, 'stage2.sh'),
      stage2Script({ command: options.command, args: options.args ?? [], cwd, env: guestEnv(options.env), control }),
    );
    const share = (id: string, path: string, tag: string, readonly: boolean) => [
      '-fsdev',
      `local,id=${id},path=${qemuValue(path)},security_model=none,multidevs=remap${readonly ? ',readonly=on' : ''}`,
      '-device',
      `virtio-9p-pci,fsdev=${id},mount_tag=${tag}`,
    ];
    const args = [
      ...['-accel', 'tcg,thread=multi', '-M', 'pc', '-cpu', 'max', '-smp', String(cpus), '-m', String(memoryMiB)],
      ...['-nodefaults', '-no-user-config', '-display', 'none', '-monitor', 'none', '-no-reboot', '-serial', 'stdio'],
      ...['-kernel', kernel, '-initrd', initrd],
      ...['-append', [
        'console=ttyS0 quiet loglevel=3 panic=-1 rdinit=/init',
        // The IO-APIC timer check panics ("IO-APIC + timer doesn't work!") when a loaded host
        // starves the emulated CPU during it; emulation needs no speculation mitigations.
        'no_timer_check mitigations=off random.trust_cpu=on',
      ].join(' ')],
      ...share('root', '/', MOUNT_TAGS.root, true),
      ...share('control', control, MOUNT_TAGS.control, false),
      ...(resultsDir ? share('results', resultsDir, MOUNT_TAGS.results, false) : []),
      ...['-device', 'virtio-rng-pci'],
      ...(options.qemuArgs ?? []),
    ];
    // The command's output: two virtio serial ports, each connected to a UNIX socket we listen on.
    const ports = (outSock: string, errSock: string) => [
      ...['-device', 'virtio-serial-pci'],
      ...['-chardev', `socket,id=out,path=${qemuValue(outSock)}`, '-device', `virtserialport,chardev=out,name=${PORT_NAMES.stdout}`],
      ...['-chardev', `socket,id=err,path=${qemuValue(errSock)}`, '-device', `virtserialport,chardev=err,name=${PORT_NAMES.stderr}`],
    ];
    // A guest that dies before the command starts (a kernel panic while booting on a starved
    // host) ran nothing, so it is booted once more within the same overall timeout.
    const deadline = performance.now() + timeoutMs;
    for (let attempt = 1; ; attempt++) {
      const outSock = join(control, `stdout-${attempt}.sock`);
      const errSock = join(control, `stderr-${attempt}.sock`);
      const stdoutSink = await listenOnce(outSock);
      const stderrSink = await listenOnce(errSock);
      try {
        const remaining = Math.max(1, Math.round(deadline - performance.now()));
        return await boot(host.qemu, [...args, ...ports(outSock, errSock)], host.kernelVersion, control, { remaining, timeoutMs }, options, stdoutSink, stderrSink);
      } catch (e) {
        const started = e instanceof KernelVmError && /rxsock-vm: (\[[0-9.]*\] )?command starting/.test(e.console ?? '');
        if (attempt >= 2 || !(e instanceof KernelVmError) || e.code !== 'ERR_RXSOCK_VM_CRASH' || started) throw e;
        options.console?.write(`rxsock-vm: the guest died while booting; booting again\n`);
      } finally {
        stdoutSink.server.close();
        stderrSink.server.close();
      }
    }
  } finally {
    rmSync(control, { recursive: true, force: true });
  }
}

/** A UNIX socket server that qemu connects one chardev to; `ended` settles when qemu hangs up. */
interface ChardevSink {
  server: Server;
  chunks: Buffer[];
  onData: (b: Buffer) => void;
  ended: Promise<void>;
}

async function listenOnce(path: string): Promise<ChardevSink> {
  let endedResolve!: () => void;
  const sink: ChardevSink = {
    server: createServer(),
    chunks: [],
    onData: () => {},
    ended: new Promise((r) => (endedResolve = r)),
  };
  sink.server.on('connection', (sock: NetSocket) => {
    sock.on('data', (b: Buffer) => {
      sink.chunks.push(b);
      sink.onData(b);
    });
    sock.on('error', () => endedResolve());
    sock.on('close', () => endedResolve());
  });
  await new Promise<void>((r, j) => {
    sink.server.once('error', j);
    sink.server.listen(path, () => r());
  });
  return sink;
}

function boot(
  qemu: string,
  args: string[],
  kernelVersion: string,
  control: string,
  limit: { remaining: number; timeoutMs: number },
  options: KernelVmOptions,
  outSink: ChardevSink,
  errSink: ChardevSink,
): Promise<KernelVmResult> {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    let bootMs = -1;
    const child = spawn(qemu, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out = outSink.chunks;
    const err = errSink.chunks;
    const con: Buffer[] = [];
    const qemuErr: Buffer[] = [];
    let consoleText = '';
    const [, conStream, qemuErrStream] = child.stdio;
    outSink.onData = (b) => options.stdout?.write(b);
    errSink.onData = (b) => options.stderr?.write(b);
    conStream!.on('data', (b: Buffer) => {
      con.push(b);
      options.console?.write(b);
      if (bootMs < 0) {
        consoleText += b.toString('latin1');
        if (/rxsock-vm: (\[[0-9.]*\] )?command starting/.test(consoleText)) bootMs = performance.now() - started;
      }
    });
    qemuErrStream!.on('data', (b: Buffer) => qemuErr.push(b));
    const text = () => ({
      stdout: Buffer.concat(out).toString('utf8'),
      stderr: Buffer.concat(err).toString('utf8'),
      console: Buffer.concat(con).toString('utf8').replace(/\r\n/g, '\n'),
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, limit.remaining);
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        e.code === 'ENOENT'
          ? new KernelVmError(`kernel VM: cannot run ${qemu}; install the Debian package qemu-system-x86`, {
              code: 'ERR_RXSOCK_VM_MISSING',
              path: qemu,
              debianPackage: 'qemu-system-x86',
            })
          : new KernelVmError(`kernel VM: cannot run ${qemu}: ${e.message}`, { code: 'ERR_RXSOCK_VM_CRASH', path: qemu }, { cause: e }),
      );
    });
    child.on('close', async (code, signal) => {
      clearTimeout(timer);
      // qemu has exited, so its sockets are closed; let their last bytes arrive.
      if (!timedOut) await Promise.race([Promise.all([outSink.ended, errSink.ended]), new Promise((r) => setTimeout(r, 2000))]);
      const t = text();
      const durationMs = performance.now() - started;
      const tail = (s: string) => s.trimEnd().split('\n').slice(-15).join('\n');
      if (timedOut) {
        reject(
          new KernelVmError(
            `kernel VM: no result within ${limit.timeoutMs} ms (${bootMs < 0 ? 'the command had not started' : 'the command was running'}); qemu killed. Console:\n${tail(t.console)}`,
            { code: 'ERR_RXSOCK_VM_TIMEOUT', ...t },
          ),
        );
        return;
      }
      const statusFile = join(control, 'status');
      if (existsSync(statusFile)) {
        resolvePromise({ exitCode: Number(readFileSync(statusFile, 'utf8').trim()), ...t, kernelVersion, bootMs, durationMs });
        return;
      }
      const why = existsSync(join(control, 'setup-failed')) || /rxsock-vm: (\[[0-9.]*\] )?FAIL/.test(t.console) ? 'ERR_RXSOCK_VM_BOOT' : 'ERR_RXSOCK_VM_CRASH';
      const qemuText = Buffer.concat(qemuErr).toString('utf8').trim();
      reject(
        new KernelVmError(
          `kernel VM: the guest stopped without the command's status (qemu ${signal ?? `exit ${code}`})${qemuText ? `; qemu said: ${qemuText}` : ''}. Console:\n${tail(t.console)}`,
          { code: why, ...t },
        ),
      );
    });
  });
}
