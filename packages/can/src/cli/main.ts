/**
 * The `rxsock-can` command: can-utils' `candump`, `cansend`, `cangen` and `canplayer` on rxsock,
 * same syntax, same output where they overlap. `rxsock-can <tool> [args]`.
 */
import { processIo, writeOut, type CliIo } from './io.js';
import { runCandump } from './run-candump.js';
import { runCangen } from './run-cangen.js';
import { runCanplayer } from './run-canplayer.js';
import { runCansend } from './run-cansend.js';

const TOOLS: Record<string, (args: readonly string[], io: CliIo) => Promise<number>> = {
  candump: runCandump,
  cansend: runCansend,
  cangen: runCangen,
  canplayer: runCanplayer,
};

/** The text for a missing or unknown tool. */
export function rxsockCanUsage(): string {
  return `rxsock-can - can-utils' tools on rxsock.

Usage: rxsock-can <tool> [tool options]

Tools:
  candump    dump CAN bus traffic (candump -L, -l, -t a|d|z|A, -n, -x, -d, -e, IF[,id:mask]...)
  cansend    send one CAN frame (cansend vcan0 123#DEADBEEF)
  cangen     generate CAN frames (-g, -I, -L, -D, -n, -f, -e, ...)
  canplayer  replay a candump log (-I file, -l, -t, vcan1=vcan0 ...)

Run a tool without arguments (or with -h) for its own usage.

`;
}

/**
 * Runs `rxsock-can` with `argv` (without node and the script). Resolves with the exit status;
 * never rejects: an unexpected failure prints one line (no stack trace) and gives 1.
 */
export async function runRxsockCan(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const [tool, ...args] = argv;
  const run = tool === undefined ? undefined : TOOLS[tool];
  if (run === undefined) {
    await writeOut(io.stderr, (tool === undefined || tool === '-h' || tool === '--help' ? '' : `rxsock-can: unknown tool '${tool}'\n\n`) + rxsockCanUsage());
    return tool === '-h' || tool === '--help' ? 0 : 1;
  }
  try {
    return await run(args, io);
  } catch (e) {
    await writeOut(io.stderr, `${tool}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

/** The bin's entry: runs and exits the process with the status once output is flushed. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const code = await runRxsockCan(argv);
  process.exitCode = code;
  // Sockets are closed by the tools; exit explicitly so that stdin (canplayer) cannot keep us alive.
  process.stdout.write('', () => process.exit(code));
}
