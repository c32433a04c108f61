/**
 * Option parsing with glibc getopt's rules, which can-utils' tools use: short options, bundled
 * (`-Ln5`), an argument attached or in the next word (`-n5`, `-n 5`), options and operands in
 * any order (GNU permutation: `cangen vcan0 -g 4`), `--` ends options. Errors are glibc's
 * messages, which the tools print before their usage text.
 */

/** One option found, in command-line order. */
export interface ParsedOption {
  /** The option letter. */
  readonly opt: string;
  /** Its argument, for options that take one. */
  readonly arg?: string;
}

/** What {@link getopt} found. */
export interface GetoptResult {
  /** The options, in order. */
  readonly options: readonly ParsedOption[];
  /** The operands (non-options), in order. */
  readonly operands: readonly string[];
  /** glibc's message for the first bad option (`candump: invalid option -- 'q'`), if any. */
  readonly error?: string;
}

/**
 * Parses `args` against an optstring such as `'t:HciaSs:lDdxLn:r:heT:?'` (a letter followed by
 * `:` takes an argument).
 * @param prog - Program name for the error messages.
 */
export function getopt(args: readonly string[], optstring: string, prog: string): GetoptResult {
  const options: ParsedOption[] = [];
  const operands: string[] = [];
  const takesArg = (c: string): boolean | undefined => {
    const i = optstring.indexOf(c);
    if (i < 0 || c === ':') return undefined;
    return optstring[i + 1] === ':';
  };
  for (let i = 0; i < args.length; i++) {
    const word = args[i]!;
    if (word === '--') {
      operands.push(...args.slice(i + 1));
      break;
    }
    if (word.length < 2 || word[0] !== '-') {
      operands.push(word);
      continue;
    }
    for (let j = 1; j < word.length; j++) {
      const c = word[j]!;
      const needs = takesArg(c);
      if (needs === undefined) return { options, operands, error: `${prog}: invalid option -- '${c}'` };
      if (!needs) {
        options.push({ opt: c });
        continue;
      }
      if (j + 1 < word.length) {
        options.push({ opt: c, arg: word.slice(j + 1) });
      } else if (i + 1 < args.length) {
        options.push({ opt: c, arg: args[++i]! });
      } else {
        return { options, operands, error: `${prog}: option requires an argument -- '${c}'` };
      }
      break;
    }
  }
  return { options, operands };
}

/** C's `atoi`: leading white space, a sign, digits; 0 when there are none. */
export function atoi(s: string): number {
  const m = /^\s*([+-]?\d+)/.exec(s);
  if (m === null) return 0;
  const v = Number.parseInt(m[1]!, 10);
  // int overflow wraps in practice; clamp to keep the value meaningful
  return Math.max(-2147483648, Math.min(2147483647, v));
}

/**
 * C's `strtoul(s, NULL, base)` (base 10 or 16) truncated to 32 bits, as `%x` and
 * `strtoul` store into an `unsigned int`: white space, an optional sign (a minus negates modulo
 * 2^64), an optional `0x` for base 16, digits up to the first other character. Returns the value
 * and how many characters were used (0 when no digits).
 */
export function strtoul32(s: string, base: 10 | 16, from = 0): { value: number; end: number } {
  let i = from;
  while (i < s.length && /\s/.test(s[i]!)) i++;
  let neg = false;
  if (s[i] === '+' || s[i] === '-') {
    neg = s[i] === '-';
    i++;
  }
  if (base === 16 && s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X') && /[0-9a-fA-F]/.test(s[i + 2] ?? '')) i += 2;
  const re = base === 16 ? /[0-9a-fA-F]/ : /[0-9]/;
  const start = i;
  while (i < s.length && re.test(s[i]!)) i++;
  if (i === start) return { value: 0, end: from };
  let v = BigInt(base === 16 ? `0x${s.slice(start, i)}` : s.slice(start, i));
  const max = (1n << 64n) - 1n;
  if (v > max) v = max; // strtoul saturates at ULONG_MAX
  if (neg) v = ((1n << 64n) - v) & max;
  return { value: Number(v & 0xffffffffn), end: i };
}

/** C's `strtol(s, NULL, 0)`: decimal, `0x` hex or `0` octal, with white space and sign; 0 when no digits. */
export function strtolAuto(s: string): number {
  const m = /^\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)/.exec(s);
  if (m === null) return 0;
  const digits = m[2]!;
  const v = /^0[xX]/.test(digits) ? Number.parseInt(digits.slice(2), 16) : digits.length > 1 && digits[0] === '0' ? Number.parseInt(digits, 8) : Number(digits);
  return m[1] === '-' ? -v : v;
}
