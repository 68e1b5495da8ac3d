// The x86 register names NASM accepts in 16/32-bit code, with their encoding numbers
// (Intel SDM Vol. 2A §2.1.5, tables 2-1 to 2-3), and the x87 stack st0…st7. Test registers
// are reserved words here as in NASM, though no form the CPU implements takes them.

export type RegisterClass = 'r8' | 'r16' | 'r32' | 'sreg' | 'creg' | 'dreg' | 'treg' | 'fpu';

export interface Register {
  name: string;
  cls: RegisterClass;
  /** The 3-bit number in ModRM.reg / ModRM.rm / the opcode's low bits. */
  num: number;
  /** Size in bytes for general registers (0 for the others). */
  size: number;
}

const REGISTERS = new Map<string, Register>();

function add(cls: RegisterClass, size: number, names: readonly string[]): void {
  names.forEach((name, num) => {
    REGISTERS.set(name, { name, cls, num, size });
  });
}

add('r8', 1, ['al', 'cl', 'dl', 'bl', 'ah', 'ch', 'dh', 'bh']);
add('r16', 2, ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di']);
add('r32', 4, ['eax', 'ecx', 'edx', 'ebx', 'esp', 'ebp', 'esi', 'edi']);
add('sreg', 0, ['es', 'cs', 'ss', 'ds', 'fs', 'gs']);
add('creg', 0, ['cr0', 'cr1', 'cr2', 'cr3', 'cr4', 'cr5', 'cr6', 'cr7']);
add('dreg', 0, ['dr0', 'dr1', 'dr2', 'dr3', 'dr4', 'dr5', 'dr6', 'dr7']);
add('treg', 0, ['tr0', 'tr1', 'tr2', 'tr3', 'tr4', 'tr5', 'tr6', 'tr7']);
add('fpu', 0, ['st0', 'st1', 'st2', 'st3', 'st4', 'st5', 'st6', 'st7']);

/** The register spelled `name` (any case), or undefined. */
export function lookupRegister(name: string): Register | undefined {
  return REGISTERS.get(name.toLowerCase());
}

/** Segment override prefixes, by segment register number (ES CS SS DS FS GS). */
export const SEGMENT_PREFIX = [0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65] as const;
