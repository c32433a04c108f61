export { BPF, bpf, BpfProgram, ACCEPT_ALL, DROP_ALL, type BpfInstruction } from './program.js';
export { isDumpText, parseDumpText } from './dump-text.js';
export { compileFilter, FilterLinkType, type CompileOptions } from './libpcap.js';
export { toProgram, type FilterInput } from './input.js';
