/** What went wrong when the kernel VM could not run a command. */
export type KernelVmErrorCode =
  /** qemu, the kernel image, its modules or busybox is not installed (see `debianPackage`). */
  | 'ERR_RXSOCK_VM_MISSING'
  /** The guest did not finish within `timeoutMs`; qemu was killed. */
  | 'ERR_RXSOCK_VM_TIMEOUT'
  /** The guest booted but could not set itself up (a mount, a module, an interface). */
  | 'ERR_RXSOCK_VM_BOOT'
  /** qemu itself failed or the guest stopped without reporting the command's exit status. */
  | 'ERR_RXSOCK_VM_CRASH'
  /** A bad option passed to {@link runInKernelVm}. */
  | 'ERR_RXSOCK_VM_INVALID';

/** Details attached to a {@link KernelVmError}. */
export interface KernelVmErrorInfo {
  code: KernelVmErrorCode;
  /** The Debian package that provides what is missing, for `ERR_RXSOCK_VM_MISSING`. */
  debianPackage?: string;
  /** The file that is missing or unreadable. */
  path?: string;
  /** Output of the command so far (a timeout or crash after the command started). */
  stdout?: string;
  stderr?: string;
  /** The guest's serial console (kernel messages and the harness's own lines). */
  console?: string;
}

/**
 * The kernel VM could not run the command to completion. A command that runs and exits non-zero
 * is not an error: its status is in the result. `code` says which case this is.
 */
export class KernelVmError extends Error {
  readonly code: KernelVmErrorCode;
  readonly debianPackage?: string;
  readonly path?: string;
  readonly stdout?: string;
  readonly stderr?: string;
  readonly console?: string;

  constructor(message: string, info: KernelVmErrorInfo, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KernelVmError';
    this.code = info.code;
    if (info.debianPackage !== undefined) this.debianPackage = info.debianPackage;
    if (info.path !== undefined) this.path = info.path;
    if (info.stdout !== undefined) this.stdout = info.stdout;
    if (info.stderr !== undefined) this.stderr = info.stderr;
    if (info.console !== undefined) this.console = info.console;
  }
}

/** A missing host file, naming the Debian package that installs it. */
export function missing(what: string, path: string, debianPackage: string, detail = ''): KernelVmError {
  return new KernelVmError(
    `kernel VM: ${what} not found at ${path}${detail}; install the Debian package ${debianPackage} (apt-get install ${debianPackage})`,
    { code: 'ERR_RXSOCK_VM_MISSING', path, debianPackage },
  );
}
