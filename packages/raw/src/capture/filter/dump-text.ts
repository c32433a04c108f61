/**
 * `tcpdump -dd` and `tcpdump -ddd` output, accepted as is: the way users carry a compiled
 * filter around without libpcap.
 *
 * `-dd` prints C initialisers (`{ 0x28, 0, 0, 0x0000000c },`), `-ddd` the instruction count
 * followed by one `code jt jf k` line of decimals per instruction.
 */
import { invalidArgument } from '@rxsock/core';
import { BpfProgram, type BpfInstruction } from './program.js';

const DD_LINE = /^\{\s*(0x[0-9a-f]+|\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*(0x[0-9a-f]+|\d+)\s*\},?$/i;
const DDD_LINE = /^(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$/;

/** Whether `text` looks like `-dd` or `-ddd` output rather than a filter expression. */
export function isDumpText(text: string): boolean {
  const first = text.trim().split(/\r?\n/)[0]?.trim() ?? '';
  return DD_LINE.test(first) || (/^\d+$/.test(first) && text.trim().split(/\r?\n/).length > 1);
}

/**
 * Parses `tcpdump -dd` or `-ddd` output.
 * @throws `SocketError` `EINVAL` naming the line that does not parse, or a `-ddd` count that
 * does not match its lines.
 */
export function parseDumpText(text: string): BpfProgram {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  if (lines.length === 0) throw invalidArgument('empty BPF program text');
  const instructions: BpfInstruction[] = [];
  if (DD_LINE.test(lines[0]!)) {
    lines.forEach((line, i) => {
      const m = DD_LINE.exec(line);
      if (!m) throw invalidArgument(`line ${i + 1} is not a tcpdump -dd instruction: ${line}`);
      instructions.push({ code: Number(m[1]), jt: Number(m[2]), jf: Number(m[3]), k: Number(m[4]) });
    });
  } else {
    const count = Number(lines[0]);
    if (!/^\d+$/.test(lines[0]!)) throw invalidArgument(`not tcpdump -dd/-ddd output: ${lines[0]}`);
    if (count !== lines.length - 1) throw invalidArgument(`tcpdump -ddd text announces ${count} instructions but has ${lines.length - 1}`);
    lines.slice(1).forEach((line, i) => {
      const m = DDD_LINE.exec(line);
      if (!m) throw invalidArgument(`line ${i + 2} is not a tcpdump -ddd instruction: ${line}`);
      instructions.push({ code: Number(m[1]), jt: Number(m[2]), jf: Number(m[3]), k: Number(m[4]) });
    });
  }
  return BpfProgram.from(instructions);
}
