/**
 * The typed errors of DBC loading, decoding and encoding.
 *
 * `code` tells them apart: `ERR_RXSOCK_DBC_SYNTAX` (a malformed file, with `line` and `column`),
 * `ERR_RXSOCK_DBC_UNKNOWN` (no such message or signal), `ERR_RXSOCK_DBC_RANGE` (a value that does
 * not fit its signal), `ERR_RXSOCK_DBC_MISSING` (a value an encode needs was not given),
 * `ERR_RXSOCK_DBC_LAYOUT` (a signal that does not fit its message, or a float of the wrong size).
 */
export class DbcError extends Error {
  /** Which kind of failure, one of the codes above. */
  readonly code: string;
  /** 1-based line of a syntax error; undefined for the other codes. */
  readonly line: number | undefined;
  /** 1-based column of a syntax error; undefined for the other codes. */
  readonly column: number | undefined;

  /** @internal */
  constructor(message: string, code: string, line?: number, column?: number) {
    super(line === undefined ? message : `${message} (line ${line}, column ${column})`);
    this.name = 'DbcError';
    this.code = code;
    this.line = line;
    this.column = column;
  }
}

/** @internal */
export function syntaxError(message: string, line: number, column: number): DbcError {
  return new DbcError(message, 'ERR_RXSOCK_DBC_SYNTAX', line, column);
}
