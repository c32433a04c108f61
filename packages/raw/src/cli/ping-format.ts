/** ping(8)'s output lines (iputils), from ping() events. */
import type { PingError, PingReply, PingStart, PingSummary } from '../craft/ping.js';

/** `a.bbb` from microseconds, as iputils prints `%ld.%03ld`. */
function usText(us: number): string {
  return `${Math.floor(us / 1000)}.${String(us % 1000).padStart(3, '0')}`;
}

/** The per-reply time as iputils rounds it: 3 decimals below 1 ms, 2 below 10, 1 below 100, none above. */
export function formatTripTime(ms: number): string {
  const t = Math.round(ms * 1000); // microseconds
  if (t >= 100_000 - 50) return `${Math.floor((t + 500) / 1000)}`;
  if (t >= 10_000 - 5) return `${Math.floor((t + 50) / 1000)}.${Math.floor(((t + 50) % 1000) / 100)}`;
  if (t >= 1000) return `${Math.floor((t + 5) / 1000)}.${String(Math.floor(((t + 5) % 1000) / 10)).padStart(2, '0')}`;
  return usText(t);
}

/** C's `%g` for the loss percentage (6 significant digits, no trailing zeros). */
function percent(value: number): string {
  return String(Number(value.toPrecision(6)));
}

/** `PING 127.0.0.1 (127.0.0.1) 56(84) bytes of data.` / `PING ::1(::1) 56 data bytes` */
export function formatStart(e: PingStart): string {
  return e.family === 'inet'
    ? `PING ${e.host} (${e.address}) ${e.size}(${e.size + 28}) bytes of data.\n`
    : `PING ${e.host}(${e.address}) ${e.size} data bytes\n`;
}

/** `64 bytes from 127.0.0.1: icmp_seq=1 ttl=64 time=0.045 ms` */
export function formatReply(e: PingReply): string {
  let line = `${e.bytes} bytes from ${e.from}: icmp_seq=${e.seq}`;
  if (e.ttl !== undefined) line += ` ttl=${e.ttl}`;
  if (e.timeMs !== undefined) line += ` time=${formatTripTime(e.timeMs)} ms`;
  if (e.duplicate) line += ' (DUP!)';
  return `${line}\n`;
}

/** `From 10.0.0.1 icmp_seq=1 Destination Host Unreachable` */
export function formatError(e: PingError): string {
  return `From ${e.from} icmp_seq=${e.seq} ${e.text}\n`;
}

/** The statistics block, with the blank line before it. */
export function formatSummary(e: PingSummary): string {
  let text = `\n--- ${e.host} ping statistics ---\n`;
  text += `${e.transmitted} packets transmitted, ${e.received} received`;
  if (e.duplicates) text += `, +${e.duplicates} duplicates`;
  if (e.errors) text += `, +${e.errors} errors`;
  if (e.transmitted) text += `, ${percent(e.lossPercent)}% packet loss`;
  text += `, time ${Math.floor(e.timeMs)}ms\n`;
  // iputils: the rtt figures, then ", pipe N" (or "pipe N" alone) when requests overlapped, then the newline
  let comma = '';
  if (e.rtt && e.received) {
    const us = (ms: number): string => usText(Math.round(ms * 1000));
    text += `rtt min/avg/max/mdev = ${us(e.rtt.min)}/${us(e.rtt.avg)}/${us(e.rtt.max)}/${us(e.rtt.mdev)} ms`;
    comma = ', ';
  }
  if (e.pipe > 1) text += `${comma}pipe ${e.pipe}`;
  return `${text}\n`;
}
