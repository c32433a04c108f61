import { syntaxError } from './errors.js';

/** @internal One lexical token of a DBC file, with where it starts. */
export interface Token {
  /** `id` (identifiers and keywords), `num`, `str`, `range` (`3-7`, in SG_MUL_VAL_), or the punctuation itself. */
  readonly kind: 'id' | 'num' | 'str' | 'range' | 'punct';
  readonly text: string;
  readonly line: number;
  readonly column: number;
  /** True when nothing but white space stands before it on its line (ends NS_/BU_-style lists). */
  readonly lineStart: boolean;
}

const PUNCTUATION = ':;,|@()[]+-';

/**
 * @internal Splits DBC text into tokens. Strings keep their content unescaped (`\"` and `\\`
 * are the only escapes DBC writers use); numbers keep their text so integers above 2^53 (ids,
 * attribute values) are not rounded before the parser decides what they are.
 */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStartIndex = 0;
  let sawTokenOnLine = false;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      i++;
      line++;
      lineStartIndex = i;
      sawTokenOnLine = false;
      continue;
    }
    if (c === 32 || c === 9 || c === 13 || c === 0xfeff) {
      i++;
      continue;
    }
    const column = i - lineStartIndex + 1;
    const lineStart = !sawTokenOnLine;
    sawTokenOnLine = true;
    // Comments are not DBC, but files written by hand carry them; cantools accepts `//` lines.
    if (c === 47 && text.charCodeAt(i + 1) === 47) {
      while (i < n && text.charCodeAt(i) !== 10) i++;
      sawTokenOnLine = false;
      continue;
    }
    if (c === 34) {
      let j = i + 1;
      let value = '';
      let startLine = line;
      for (;;) {
        if (j >= n) throw syntaxError('unterminated string', startLine, column);
        const d = text.charCodeAt(j);
        if (d === 92 && j + 1 < n) {
          value += text[j + 1];
          j += 2;
          continue;
        }
        if (d === 34) break;
        if (d === 10) {
          line++;
          lineStartIndex = j + 1;
        }
        value += text[j];
        j++;
      }
      tokens.push({ kind: 'str', text: value, line: startLine, column, lineStart });
      i = j + 1;
      continue;
    }
    const numberMatch = matchNumber(text, i);
    if (numberMatch > i) {
      // `3-7` in SG_MUL_VAL_ is a range, not 3 followed by -7.
      if (text.charCodeAt(numberMatch) === 45 && isDigit(text.charCodeAt(numberMatch + 1)) && isDigit(c)) {
        let j = numberMatch + 1;
        while (j < n && isDigit(text.charCodeAt(j))) j++;
        tokens.push({ kind: 'range', text: text.slice(i, j), line, column, lineStart });
        i = j;
        continue;
      }
      tokens.push({ kind: 'num', text: text.slice(i, numberMatch), line, column, lineStart });
      i = numberMatch;
      continue;
    }
    if (isIdentStart(c)) {
      let j = i + 1;
      while (j < n && isIdentPart(text.charCodeAt(j))) j++;
      tokens.push({ kind: 'id', text: text.slice(i, j), line, column, lineStart });
      i = j;
      continue;
    }
    if (PUNCTUATION.includes(text[i]!)) {
      tokens.push({ kind: 'punct', text: text[i]!, line, column, lineStart });
      i++;
      continue;
    }
    throw syntaxError(`unexpected character ${JSON.stringify(text[i])}`, line, column);
  }
  return tokens;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isIdentStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

function isIdentPart(c: number): boolean {
  return isIdentStart(c) || isDigit(c);
}

/** The index after a number starting at `i` (sign, digits, fraction, exponent, or 0x hex), or `i`. */
function matchNumber(text: string, i: number): number {
  let j = i;
  const n = text.length;
  if (text[j] === '-' || text[j] === '+') j++;
  if (text[j] === '0' && (text[j + 1] === 'x' || text[j + 1] === 'X')) {
    let k = j + 2;
    while (k < n && /[0-9a-fA-F]/.test(text[k]!)) k++;
    return k > j + 2 ? k : i;
  }
  const digitsStart = j;
  while (j < n && isDigit(text.charCodeAt(j))) j++;
  if (text[j] === '.') {
    j++;
    while (j < n && isDigit(text.charCodeAt(j))) j++;
  }
  if (j === digitsStart || (j === digitsStart + 1 && text[digitsStart] === '.')) return i;
  if (text[j] === 'e' || text[j] === 'E') {
    let k = j + 1;
    if (text[k] === '-' || text[k] === '+') k++;
    const expStart = k;
    while (k < n && isDigit(text.charCodeAt(k))) k++;
    if (k > expStart) j = k;
  }
  // An identifier glued to digits (`1abc`) is not a number.
  if (j < n && isIdentStart(text.charCodeAt(j))) return i;
  return j;
}
