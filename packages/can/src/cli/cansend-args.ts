/** cansend's command line: `cansend <device> <can_frame>`. */
import type { CanFrame } from '../codec/frame.js';
import { CanLogError } from '../log/errors.js';
import { parseCanFrameText } from '../log/frame-text.js';
import { exit, run, type CliParse } from './result.js';
import { cansendUsage } from './usage.js';

/** What cansend sends. */
export interface CansendOptions {
  /** Interface name. */
  readonly interfaceName: string;
  /** The frame. */
  readonly frame: CanFrame;
}

/**
 * Parses cansend's two arguments. Any other count prints the usage (status 1); a frame string
 * can-utils would refuse prints `Wrong CAN-frame format!` and the usage (status 1).
 */
export function parseCansendArgs(args: readonly string[], prog = 'cansend'): CliParse<CansendOptions> {
  if (args.length !== 2) return exit(1, cansendUsage(prog));
  let frame: CanFrame;
  try {
    frame = parseCanFrameText(args[1]!);
  } catch (e) {
    if (!(e instanceof CanLogError)) throw e;
    return exit(1, `\nWrong CAN-frame format!\n\n${cansendUsage(prog)}`);
  }
  if (frame.kind === 'xl') return exit(1, `\nWrong CAN-frame format!\n\n${cansendUsage(prog)}`);
  return run({ interfaceName: args[0]!, frame });
}
