/**
 * fast-check arbitraries for socket addresses and IP text, biased toward the cases codecs get
 * wrong: zero runs in IPv6, v4-mapped addresses, ports 0 and 65535, unix paths at the length
 * limit, abstract names containing NULs, non-ASCII paths.
 *
 * Generated addresses are in the form rxsock decodes to (canonical IP text, every IPv6 field
 * present), so `decode(encode(a))` can be compared with `a` by deep equality.
 */
import fc from 'fast-check';
import { inetNtop, type Inet4Address, type Inet6Address, type SocketAddress, type UnixAddress } from '@rxsock/core';

const port = fc.oneof(fc.constantFrom(0, 1, 80, 65535), fc.integer({ min: 0, max: 0xffff }));
const u32 = fc.oneof(fc.constantFrom(0, 1, 0xffffffff), fc.integer({ min: 0, max: 0xffffffff }));

const ipv4Bytes: fc.Arbitrary<Uint8Array> = fc
  .tuple(
    fc.integer({ min: 0, max: 255 }),
    fc.integer({ min: 0, max: 255 }),
    fc.integer({ min: 0, max: 255 }),
    fc.integer({ min: 0, max: 255 }),
  )
  .map((t) => Uint8Array.from(t));

const word = fc.oneof(
  { weight: 4, arbitrary: fc.constant(0) },
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 0xffff }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 0xff }) },
);

function fromWords(words: readonly number[]): Uint8Array {
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    out[2 * i] = w >>> 8;
    out[2 * i + 1] = w & 0xff;
  });
  return out;
}

/** Random groups with many zeros, plus the shapes with special text forms. */
const ipv6Words: fc.Arbitrary<number[]> = fc.oneof(
  { weight: 6, arbitrary: fc.array(word, { minLength: 8, maxLength: 8 }) },
  { weight: 1, arbitrary: fc.constantFrom('any', 'loopback').map((k) => [0, 0, 0, 0, 0, 0, 0, k === 'any' ? 0 : 1]) },
  // v4-mapped (::ffff:a.b.c.d) and v4-compatible (::a.b.c.d)
  { weight: 1, arbitrary: fc.tuple(word, word).map(([a, b]) => [0, 0, 0, 0, 0, 0xffff, a, b]) },
  { weight: 1, arbitrary: fc.tuple(word, word).map(([a, b]) => [0, 0, 0, 0, 0, 0, a, b]) },
  { weight: 1, arbitrary: fc.array(word, { minLength: 7, maxLength: 7 }).map((w) => [0xfe80, ...w]) },
);

/** IPv4 dotted-quad text, the only form `inet_pton` accepts: decimal, no leading zeros. */
export function arbIPv4Text(): fc.Arbitrary<string> {
  return ipv4Bytes.map((b) => inetNtop('inet', b));
}

/** Options of {@link arbIPv6Text}. */
export interface IPv6TextOptions {
  /**
   * Only the canonical form (what `inetNtop` prints). Otherwise also uppercase, leading zeros,
   * uncompressed groups, '::' at any zero run and dotted IPv4 tails: every one a valid
   * `inet_pton` input.
   */
  canonical?: boolean;
}

interface Rendering {
  upper: boolean;
  pad: boolean[];
  v4Tail: boolean;
  /** Picks the zero run to compress (or none) among the candidates. */
  compressPick: number;
  /** Picks a sub-run within it. */
  subPick: number;
}

/** Writes words as IPv6 text in one of the many valid spellings. */
function render(words: readonly number[], r: Rendering): string {
  const textGroups = r.v4Tail ? 6 : 8;
  const runs: Array<[number, number]> = [];
  for (let i = 0; i < textGroups; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < textGroups && words[j] === 0) j++;
    runs.push([i, j - i]);
    i = j;
  }
  const hex = (i: number): string => {
    const s = (words[i] ?? 0).toString(16);
    const padded = r.pad[i] ? s.padStart(4, '0') : s;
    return r.upper ? padded.toUpperCase() : padded;
  };
  const tail = r.v4Tail ? `${words[6]! >>> 8}.${words[6]! & 0xff}.${words[7]! >>> 8}.${words[7]! & 0xff}` : '';
  const pick = runs.length ? r.compressPick % (runs.length + 1) : 0;
  const groups = (from: number, to: number): string[] => Array.from({ length: to - from }, (_, k) => hex(from + k));
  if (pick === runs.length) {
    return [...groups(0, textGroups), ...(tail ? [tail] : [])].join(':');
  }
  const [runStart, runLen] = runs[pick]!;
  const len = 1 + (r.subPick % runLen);
  const start = runStart + (Math.floor(r.subPick / runLen) % (runLen - len + 1));
  const left = groups(0, start).join(':');
  const right = [...groups(start + len, textGroups), ...(tail ? [tail] : [])].join(':');
  return `${left}::${right}`;
}

/** IPv6 text: canonical by default off, see {@link IPv6TextOptions}. */
export function arbIPv6Text(options: IPv6TextOptions = {}): fc.Arbitrary<string> {
  const canonical = ipv6Words.map((w) => inetNtop('inet6', fromWords(w)));
  if (options.canonical) return canonical;
  const spelled = fc
    .tuple(
      ipv6Words,
      fc.record({
        upper: fc.boolean(),
        pad: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
        v4Tail: fc.boolean(),
        compressPick: fc.nat(),
        subPick: fc.nat(),
      }),
    )
    .map(([w, r]) => render(w, r));
  return fc.oneof(canonical, spelled);
}

/** An IPv4 address with a canonical dotted-quad host. */
export function arbInet4Address(): fc.Arbitrary<Inet4Address> {
  return fc.record({ family: fc.constant('inet' as const), host: arbIPv4Text(), port });
}

/** An IPv6 address with canonical host text and every field present, including flow info and scope. */
export function arbInet6Address(): fc.Arbitrary<Inet6Address> {
  return fc.record({
    family: fc.constant('inet6' as const),
    host: arbIPv6Text({ canonical: true }),
    port,
    flowInfo: u32,
    scopeId: u32,
  });
}

/** Options of {@link arbUnixAddress}. */
export interface UnixAddressOptions {
  /** Include Linux abstract names (`'\0'` + name). Default true; pass false for BSD layouts. */
  abstract?: boolean;
  /** `sizeof(sun_path)`: 108 on Linux (the default), 104 on macOS and the BSDs. */
  sunPathSize?: number;
}

const utf8 = new TextEncoder();

function utf8Length(s: string): number {
  return utf8.encode(s).length;
}

/** Cuts a string, at a code point boundary, to at most `max` UTF-8 bytes. */
function fitBytes(s: string, max: number): string {
  let out = '';
  let n = 0;
  for (const ch of s) {
    const len = utf8Length(ch);
    if (n + len > max) break;
    out += ch;
    n += len;
  }
  return out;
}

/** Path characters: mostly ASCII, sometimes any code point (never a lone surrogate: UTF-8 cannot carry it). */
const pathChar = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...'abcxyz019/._- ') },
  {
    weight: 2,
    arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((c) => c.length === 2 || !/[\uD800-\uDFFF]/.test(c)),
  },
);

/**
 * A UNIX-domain address within the kernel's limits: filesystem paths up to `sunPathSize - 1`
 * UTF-8 bytes (room for the NUL), abstract names up to `sunPathSize - 1` bytes after the
 * leading NUL, and the unnamed address `''`.
 */
export function arbUnixAddress(options: UnixAddressOptions = {}): fc.Arbitrary<UnixAddress> {
  const max = (options.sunPathSize ?? 108) - 1;
  const unix = (path: string): UnixAddress => ({ family: 'unix', path });
  const longPath = fc.constantFrom('a', '/', 'é', '\u{1F600}').map((c) => fitBytes(c.repeat(max), max));
  const fsPath = fc
    .oneof({ weight: 6, arbitrary: fc.string({ unit: pathChar.filter((c) => c !== '\0'), minLength: 1, maxLength: 60 }) }, { weight: 1, arbitrary: longPath })
    .map((s) => fitBytes(s, max))
    .filter((s) => s.length > 0);
  const choices: Array<fc.WeightedArbitrary<UnixAddress>> = [
    { weight: 6, arbitrary: fsPath.map(unix) },
    { weight: 1, arbitrary: fc.constant(unix('')) },
  ];
  if (options.abstract ?? true) {
    const name = fc
      .oneof({ weight: 6, arbitrary: fc.string({ unit: pathChar, maxLength: 60 }) }, { weight: 1, arbitrary: longPath })
      .map((s) => fitBytes(s, max));
    choices.push({ weight: 3, arbitrary: name.map((n) => unix(`\0${n}`)) });
  }
  return fc.oneof(...choices);
}

/** Any address with a built-in codec (inet, inet6, unix). */
export function arbSocketAddress(options: UnixAddressOptions = {}): fc.Arbitrary<SocketAddress> {
  return fc.oneof(arbInet4Address(), arbInet6Address(), arbUnixAddress(options));
}
