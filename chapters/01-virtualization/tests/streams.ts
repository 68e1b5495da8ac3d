// Random x86 code for chapter 1's tests: ordinary and sensitive instructions mixed at seeded
// positions, assembled by sim/asm, whose listing (not the disassembler under test) says where
// each instruction landed and how long it is.

import { assemble, formatAsmError, type Prng } from '../../../sim/host.ts';

const REGS = ['eax', 'ebx', 'ecx', 'edx', 'esi', 'edi', 'ebp'];
const REGS16 = ['ax', 'bx', 'cx', 'dx', 'si', 'di', 'bp'];
/** Bytes that open sensitive instructions: immediates full of them catch a byte scanner. */
const TRICKY_BYTES = [0x9c, 0x9d, 0xcf, 0x0f, 0x01, 0x00, 0x0e, 0x16, 0x1f, 0x8c, 0xcb, 0xcd];

const pick = <T>(rng: Prng, items: readonly T[]): T => items[rng.below(items.length)]!;
const reg = (rng: Prng) => pick(rng, REGS);
const hex = (n: number) => `0x${(n >>> 0).toString(16)}`;

/** A 32-bit immediate, usually made of bytes that look like sensitive opcodes. */
function imm32(rng: Prng): string {
  let v = 0;
  for (let i = 0; i < 4; i++) {
    const b = rng.below(4) === 0 ? rng.below(256) : pick(rng, TRICKY_BYTES);
    v = (v << 8) | b;
  }
  return hex(v);
}

/** A memory operand of a random shape: [disp32], [reg+disp8], [reg+reg*4+disp32]. */
function memory(rng: Prng): string {
  switch (rng.below(3)) {
    case 0:
      return `[${hex(rng.below(0x8000))}]`;
    case 1:
      return `[${reg(rng)}+${hex(rng.below(0x80))}]`;
    default:
      return `[${reg(rng)}+${reg(rng)}*4+${hex(0x100 + rng.below(0x8000))}]`;
  }
}

/** Ordinary instructions: registers only, safe to run in any ring. */
export const ORDINARY: readonly ((rng: Prng) => string)[] = [
  (rng) => `mov ${reg(rng)}, ${imm32(rng)}`,
  (rng) => `add ${reg(rng)}, ${reg(rng)}`,
  (rng) => `xor ${reg(rng)}, ${imm32(rng)}`,
  (rng) => `lea ${reg(rng)}, ${memory(rng)}`,
  (rng) => `inc ${reg(rng)}`,
  (rng) => `shl ${reg(rng)}, ${1 + rng.below(31)}`,
  (rng) => `imul ${reg(rng)}, ${reg(rng)}, ${imm32(rng)}`,
  (rng) => `cmp ${reg(rng)}, ${imm32(rng)}`,
  () => 'nop',
];

/** One instruction of each sensitive form (chapter 1's table), operands at random. */
export const SENSITIVE: readonly ((rng: Prng) => string)[] = [
  () => 'pushfd',
  () => 'popfd',
  () => 'iretd',
  (rng) => `sgdt ${memory(rng)}`,
  (rng) => `sidt ${memory(rng)}`,
  (rng) => `sldt ${reg(rng)}`,
  (rng) => `str ${reg(rng)}`,
  (rng) => `smsw ${rng.below(2) === 0 ? reg(rng) : `word ${memory(rng)}`}`,
  (rng) => `lar ${reg(rng)}, ${pick(rng, REGS16)}`,
  (rng) => `lsl ${reg(rng)}, word ${memory(rng)}`,
  (rng) => `verr ${pick(rng, REGS16)}`,
  (rng) => `verw word ${memory(rng)}`,
  (rng) => `push ${pick(rng, ['cs', 'ss', 'ds', 'es', 'fs', 'gs'])}`,
  (rng) => `pop ${pick(rng, ['ds', 'es', 'fs', 'gs'])}`,
  (rng) => `mov ${pick(rng, REGS16)}, ${pick(rng, ['cs', 'ss'])}`,
  (rng) => `mov ${pick(rng, ['ds', 'es', 'fs', 'gs'])}, ${pick(rng, REGS16)}`,
  (rng) => `call ${hex(8 + 8 * rng.below(8))}:${imm32(rng)}`,
  (rng) => `jmp far ${memory(rng)}`,
  (rng) => (rng.below(2) === 0 ? 'retf' : `retf ${hex(4 * rng.below(8))}`),
  (rng) => `int ${hex(0x20 + rng.below(0xe0))}`,
];

export interface StreamInstruction {
  address: number;
  length: number;
  source: string;
  sensitive: boolean;
}

export interface Stream {
  bytes: Uint8Array;
  org: number;
  instructions: StreamInstruction[];
}

/** Assembles `lines` (flat 32-bit code at `org`); the listing gives every address and length. */
export function assembleLines(lines: readonly string[], org: number): Stream {
  const result = assemble(['bits 32', `org ${hex(org)}`, ...lines].join('\n'), {
    fileName: 'stream.asm',
  });
  if (!result.ok) throw new Error(result.errors.map((e) => formatAsmError(e)).join('\n'));
  const instructions = result.listing
    .filter((l) => l.bytes.length > 0)
    .map((l) => ({
      address: l.address,
      length: l.size,
      source: l.source.trim(),
      sensitive: false,
    }));
  return { bytes: result.bytes, org, instructions };
}

/**
 * `count` instructions, a sensitive one with probability 1/3, each form of SENSITIVE at least
 * once when count allows, at a seeded org.
 */
export function randomStream(rng: Prng, count: number): Stream {
  const sensitive = new Set<number>();
  const forms = SENSITIVE.map((_, i) => i);
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const useSensitive = forms.length > 0 && (rng.below(3) === 0 || count - i <= forms.length);
    if (useSensitive) {
      const form = forms.splice(rng.below(forms.length), 1)[0]!;
      sensitive.add(i);
      lines.push(SENSITIVE[form]!(rng));
    } else if (rng.below(8) === 0) {
      sensitive.add(i);
      lines.push(pick(rng, SENSITIVE)(rng));
    } else {
      lines.push(pick(rng, ORDINARY)(rng));
    }
  }
  const org = 0x1000 * (1 + rng.below(0x100));
  const stream = assembleLines(lines, org);
  stream.instructions.forEach((insn, i) => {
    insn.sensitive = sensitive.has(i);
  });
  return stream;
}
