/**
 * Classic BPF programs: the instructions a packet socket runs on every frame to decide whether
 * (and how much of it) to keep. `struct sock_filter` is 8 bytes: u16 code, u8 jt, u8 jf, u32 k,
 * host order; libpcap's `struct bpf_insn` and `tcpdump -dd` use the same layout.
 */
import { BPF_MAXINSNS, invalidArgument, SOCK_FILTER_SIZE } from '@rxsock/core';

/** One classic BPF instruction. */
export interface BpfInstruction {
  /** Opcode: class | size | mode (`BPF.LD | BPF.H | BPF.ABS`). */
  code: number;
  /** Instructions to skip when a conditional jump is true. */
  jt: number;
  /** Instructions to skip when it is false. */
  jf: number;
  /** The constant operand (offset, value, or for `ret` the bytes to keep). */
  k: number;
}

/** Opcode parts of `linux/filter.h` (`BPF_LD`, `BPF_H`, `BPF_ABS`, ...). */
export const BPF = {
  // classes
  LD: 0x00, LDX: 0x01, ST: 0x02, STX: 0x03, ALU: 0x04, JMP: 0x05, RET: 0x06, MISC: 0x07,
  // sizes
  W: 0x00, H: 0x08, B: 0x10,
  // modes
  IMM: 0x00, ABS: 0x20, IND: 0x40, MEM: 0x60, LEN: 0x80, MSH: 0xa0,
  // alu / jump operations
  ADD: 0x00, SUB: 0x10, MUL: 0x20, DIV: 0x30, OR: 0x40, AND: 0x50, LSH: 0x60, RSH: 0x70, NEG: 0x80, MOD: 0x90, XOR: 0xa0,
  JA: 0x00, JEQ: 0x10, JGT: 0x20, JGE: 0x30, JSET: 0x40,
  // sources
  K: 0x00, X: 0x08, A: 0x10,
  // misc
  TAX: 0x00, TXA: 0x80,
} as const;

function u8(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 0 || n > 0xff) throw invalidArgument(`BPF ${what} must be 0..255, got ${String(n)}`);
  return n;
}

function checkInstruction(i: BpfInstruction, at: number): void {
  if (!Number.isInteger(i.code) || i.code < 0 || i.code > 0xffff) throw invalidArgument(`BPF instruction ${at}: code must be 0..65535, got ${String(i.code)}`);
  u8(i.jt, `instruction ${at} jt`);
  u8(i.jf, `instruction ${at} jf`);
  if (!Number.isInteger(i.k) || i.k < -0x80000000 || i.k > 0xffffffff) throw invalidArgument(`BPF instruction ${at}: k must fit 32 bits, got ${String(i.k)}`);
}

/** A classic BPF program, ready for SO_ATTACH_FILTER. */
export class BpfProgram {
  /** The `struct sock_filter` array. */
  readonly bytes: Uint8Array;

  private constructor(bytes: Uint8Array) {
    this.bytes = bytes;
  }

  /**
   * A program from instructions. Checks what can be checked without the kernel: sizes, field
   * ranges, jumps that land inside the program, and a final `ret`.
   * @throws `SocketError` `EINVAL` naming the bad instruction.
   */
  static from(instructions: readonly BpfInstruction[]): BpfProgram {
    const n = instructions.length;
    if (n < 1 || n > BPF_MAXINSNS) throw invalidArgument(`a BPF program has 1..${BPF_MAXINSNS} instructions, got ${n}`);
    const bytes = new Uint8Array(n * SOCK_FILTER_SIZE);
    const v = new DataView(bytes.buffer);
    instructions.forEach((ins, at) => {
      checkInstruction(ins, at);
      if ((ins.code & 0x07) === BPF.JMP) {
        const far = (ins.code & 0xf0) === BPF.JA ? ins.k >>> 0 : Math.max(ins.jt, ins.jf);
        if (at + 1 + far >= n) throw invalidArgument(`BPF instruction ${at} jumps past the end of the program`);
      }
      v.setUint16(at * 8, ins.code, true);
      bytes[at * 8 + 2] = ins.jt;
      bytes[at * 8 + 3] = ins.jf;
      v.setUint32(at * 8 + 4, ins.k >>> 0, true);
    });
    if ((instructions[n - 1]!.code & 0x07) !== BPF.RET) throw invalidArgument('a BPF program must end with a ret instruction');
    return new BpfProgram(bytes);
  }

  /** A program from `struct sock_filter` bytes (libpcap's output). */
  static fromBytes(bytes: Uint8Array): BpfProgram {
    if (bytes.byteLength % SOCK_FILTER_SIZE !== 0) throw invalidArgument(`BPF program bytes must be a multiple of ${SOCK_FILTER_SIZE}, got ${bytes.byteLength}`);
    return BpfProgram.from(decodeInstructions(bytes));
  }

  /** The instructions, decoded. */
  get instructions(): BpfInstruction[] {
    return decodeInstructions(this.bytes);
  }

  /** Number of instructions. */
  get length(): number {
    return this.bytes.byteLength / SOCK_FILTER_SIZE;
  }

  /** The program as `tcpdump -ddd` prints it: the count, then `code jt jf k` per line. */
  toString(): string {
    return [String(this.length), ...this.instructions.map((i) => `${i.code} ${i.jt} ${i.jf} ${i.k >>> 0}`)].join('\n');
  }
}

function decodeInstructions(bytes: Uint8Array): BpfInstruction[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: BpfInstruction[] = [];
  for (let at = 0; at + 8 <= bytes.byteLength; at += 8) {
    out.push({ code: v.getUint16(at, true), jt: bytes[at + 2]!, jf: bytes[at + 3]!, k: v.getUint32(at + 4, true) });
  }
  return out;
}

/**
 * Instruction constructors for hand-written programs.
 *
 * @example
 * ```ts
 * // IPv4 frames only, whole frame kept
 * BpfProgram.from([bpf.loadHalf(12), bpf.jumpIfEqual(0x0800, 0, 1), bpf.ret(0x40000), bpf.ret(0)]);
 * ```
 */
export const bpf = {
  /** `ldh [offset]`: A = the big-endian u16 at `offset`. */
  loadHalf: (offset: number): BpfInstruction => ({ code: BPF.LD | BPF.H | BPF.ABS, jt: 0, jf: 0, k: offset }),
  /** `ldb [offset]`: A = the byte at `offset`. */
  loadByte: (offset: number): BpfInstruction => ({ code: BPF.LD | BPF.B | BPF.ABS, jt: 0, jf: 0, k: offset }),
  /** `ld [offset]`: A = the big-endian u32 at `offset`. */
  loadWord: (offset: number): BpfInstruction => ({ code: BPF.LD | BPF.W | BPF.ABS, jt: 0, jf: 0, k: offset }),
  /** `ld #len`: A = the packet length. */
  loadLength: (): BpfInstruction => ({ code: BPF.LD | BPF.W | BPF.LEN, jt: 0, jf: 0, k: 0 }),
  /** `ldxb 4*([offset]&0xf)`: X = an IPv4 header length. */
  loadIpHeaderLength: (offset: number): BpfInstruction => ({ code: BPF.LDX | BPF.B | BPF.MSH, jt: 0, jf: 0, k: offset }),
  /** `ldh [x + offset]`. */
  loadHalfIndirect: (offset: number): BpfInstruction => ({ code: BPF.LD | BPF.H | BPF.IND, jt: 0, jf: 0, k: offset }),
  /** `and #k`. */
  and: (k: number): BpfInstruction => ({ code: BPF.ALU | BPF.AND | BPF.K, jt: 0, jf: 0, k }),
  /** `jeq #k, jt, jf`. */
  jumpIfEqual: (k: number, jt: number, jf: number): BpfInstruction => ({ code: BPF.JMP | BPF.JEQ | BPF.K, jt, jf, k }),
  /** `jgt #k, jt, jf`. */
  jumpIfGreater: (k: number, jt: number, jf: number): BpfInstruction => ({ code: BPF.JMP | BPF.JGT | BPF.K, jt, jf, k }),
  /** `jset #k, jt, jf`. */
  jumpIfSet: (k: number, jt: number, jf: number): BpfInstruction => ({ code: BPF.JMP | BPF.JSET | BPF.K, jt, jf, k }),
  /** `ja +k`. */
  jump: (k: number): BpfInstruction => ({ code: BPF.JMP | BPF.JA, jt: 0, jf: 0, k }),
  /** `ret #k`: keep up to `k` bytes (0 drops the packet). */
  ret: (k: number): BpfInstruction => ({ code: BPF.RET | BPF.K, jt: 0, jf: 0, k }),
} as const;

/** Drops every packet (`ret #0`). */
export const DROP_ALL: BpfProgram = BpfProgram.from([bpf.ret(0)]);

/** Keeps every packet whole (`ret #262144`, tcpdump's default snap length). */
export const ACCEPT_ALL: BpfProgram = BpfProgram.from([bpf.ret(262144)]);
