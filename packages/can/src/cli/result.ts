/** What a command-line parser returns: options to run with, or an exit with its output. */
export type CliParse<T> =
  | { readonly ok: true; readonly value: T; /** Warnings to print to stderr before running. */ readonly stderr: string }
  | { readonly ok: false; readonly exitCode: number; readonly stdout: string; readonly stderr: string };

/** A parse that ends the program. */
export function exit(exitCode: number, stderr: string, stdout = ''): CliParse<never> {
  return { ok: false, exitCode, stdout, stderr };
}

/** A parse that runs. */
export function run<T>(value: T, stderr = ''): CliParse<T> {
  return { ok: true, value, stderr };
}
