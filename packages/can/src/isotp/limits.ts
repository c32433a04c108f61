/** The largest message the running kernel's ISO-TP takes. */
import { readFileSync } from 'node:fs';
import { ISOTP_LINUX_6_1_MAX_MESSAGE } from './constants.js';

/**
 * The largest ISO-TP message (PDU) this kernel sends and receives, in bytes: the can-isotp
 * module's `max_pdu_size` parameter where it has one (Linux >= 6.2, default 8300), otherwise the
 * fixed 66000 of Linux 6.1 (classic CAN and FD alike; above 4095 bytes the first frame uses the
 * 32-bit length escape of ISO 15765-2:2016).
 */
export function isotpMaxMessageSize(): number {
  try {
    const n = Number.parseInt(readFileSync('/sys/module/can_isotp/parameters/max_pdu_size', 'utf8'), 10);
    if (Number.isSafeInteger(n) && n > 0) return n;
  } catch {
    // no such parameter: a kernel before 6.2, or the module not loaded yet
  }
  return ISOTP_LINUX_6_1_MAX_MESSAGE;
}
