import { SocketError } from '@rxsock/core';

/**
 * A log line, frame string or capture record that cannot be decoded. `code` is
 * `'ERR_RXSOCK_DECODE'`, as for every decoder of rxsock; {@link CanLogError.lineNumber} says where.
 */
export class CanLogError extends SocketError {
  /** 1-based line number in the log (0 when the text was not read from a log, e.g. a lone frame string). */
  readonly lineNumber: number;
  /** The offending text, cut to 120 characters. */
  readonly text: string;

  /**
   * @param reason - What is wrong, without the position.
   * @param lineNumber - 1-based line number, or 0 for a lone frame string or a binary record.
   * @param text - The offending text.
   */
  constructor(reason: string, lineNumber: number, text: string) {
    const shown = text.length > 120 ? `${text.slice(0, 117)}...` : text;
    super(`${lineNumber > 0 ? `line ${lineNumber}: ` : ''}${reason}: '${shown}'`, { code: 'ERR_RXSOCK_DECODE' });
    this.name = 'CanLogError';
    this.lineNumber = lineNumber;
    this.text = shown;
  }
}
