/** What the capture options accept as a filter, turned into one program. */
import { isDumpText, parseDumpText } from './dump-text.js';
import { compileFilter, type CompileOptions } from './libpcap.js';
import { BpfProgram, type BpfInstruction } from './program.js';

/**
 * A filter: a tcpdump expression (`'tcp port 80'`, compiled by libpcap), `tcpdump -dd`/`-ddd`
 * output as text, a {@link BpfProgram}, or instructions.
 */
export type FilterInput = string | BpfProgram | readonly BpfInstruction[];

/** Turns any {@link FilterInput} into a program. */
export function toProgram(filter: FilterInput, options?: CompileOptions): BpfProgram {
  if (filter instanceof BpfProgram) return filter;
  if (typeof filter === 'string') return isDumpText(filter) ? parseDumpText(filter) : compileFilter(filter, options);
  return BpfProgram.from(filter);
}
