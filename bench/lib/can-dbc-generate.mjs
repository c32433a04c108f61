// A realistic DBC for the can-decode benchmark, made from a fixed seed so every run decodes the
// same database: 80 messages (10 with 29-bit ids, 10 multiplexed with three pages each), 5-20
// signals per message, Intel and Motorola, signed and unsigned, 1..32 bits, scaled and offset.
export function generateDbc(seed = 1) {
  let state = seed >>> 0;
  const rand = () => {
    // xorshift32: deterministic, no dependency.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  const pick = (xs) => xs[Math.floor(rand() * xs.length)];
  const lines = ['VERSION "bench"', '', 'NS_ :', '', 'BS_:', '', 'BU_: ECU1 ECU2 ECU3 GW', ''];
  const messages = [];
  let signalCount = 0;
  for (let m = 0; m < 80; m++) {
    const extended = m % 8 === 7;
    const id = extended ? 0x18f00000 + m * 0x100 + 0x21 : 0x100 + m * 7;
    const multiplexed = m % 8 === 3;
    const name = `Msg${m}`;
    lines.push(`BO_ ${extended ? (id | 0x80000000) >>> 0 : id} ${name}: 8 ECU${(m % 3) + 1}`);
    const signals = [];
    // Lay signals out bit by bit without overlap; a multiplexed message repeats its payload area per page.
    const layout = (prefix, from, to, mux) => {
      let bit = from;
      while (bit < to) {
        const length = Math.min(pick([1, 2, 4, 7, 8, 10, 12, 16, 16, 24, 32]), to - bit);
        const motorola = rand() < 0.5;
        // Motorola's start bit is the MSB: for a run of bits [bit, bit + length) counted in Intel
        // order within bytes, a byte-aligned Motorola signal starts at the top of its first byte.
        if (motorola && (bit % 8 !== 0 || length % 8 !== 0)) {
          signals.push({ name: `${prefix}${signals.length}`, start: bit, length, order: 1, mux });
        } else if (motorola) {
          signals.push({ name: `${prefix}${signals.length}`, start: bit + 7, length, order: 0, mux });
        } else {
          signals.push({ name: `${prefix}${signals.length}`, start: bit, length, order: 1, mux });
        }
        bit += length;
      }
    };
    if (multiplexed) {
      signals.push({ name: 'Page', start: 0, length: 8, order: 1, mux: 'M' });
      for (const page of [0, 1, 2]) layout(`P${page}_`, 8, 64, `m${page}`);
    } else layout('S', 0, 64);
    for (const s of signals) {
      const signed = s.mux !== 'M' && s.length > 1 && rand() < 0.4;
      const factor = s.mux === 'M' ? 1 : pick([1, 1, 0.1, 0.5, 0.25, 0.01, 2]);
      const offset = s.mux === 'M' ? 0 : pick([0, 0, 0, -40, 100]);
      const muxText = s.mux ? ` ${s.mux}` : '';
      lines.push(` SG_ ${s.name}${muxText} : ${s.start}|${s.length}@${s.order}${signed ? '-' : '+'} (${factor},${offset}) [0|0] "" GW`);
      signalCount++;
    }
    lines.push('');
    messages.push({ id, extended, name, multiplexed });
  }
  return { text: lines.join('\n') + '\n', messages, signalCount };
}

/** Frames for those messages: fixed-seed payloads, a multiplexed message cycling its pages. */
export function generateFrames(messages, count, seed = 2) {
  let state = seed >>> 0;
  const byte = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state & 0xff;
  };
  const frames = [];
  for (let i = 0; i < count; i++) {
    const m = messages[i % messages.length];
    const data = new Uint8Array(8);
    for (let b = 0; b < 8; b++) data[b] = byte();
    if (m.multiplexed) data[0] = (i / messages.length) % 3 | 0;
    frames.push({ id: m.id, extended: m.extended, data });
  }
  return frames;
}
