// Round trip over the instruction corpus: disassemble(assemble(line)) must reassemble to the
// same bytes. Needs no nasm.

import { describe, expect, it } from 'vitest';
import { instructionCorpus } from './corpus.ts';
import { disassemble } from './disasm.ts';
import { assemble, formatAsmError } from './index.ts';

/**
 * Lines whose bytes are deliberately not NASM's shortest choice (`strict`, forced displacement
 * sizes): their disassembly is the plain instruction, which reassembles shorter, as with ndisasm.
 */
const NOT_CANONICAL = /strict|\[byte |\[dword /;

/** `jo 0x10`: ndisasm prints rel8 conditional jumps without `short`, but reassembled to an
 * absolute target NASM picks the near form; `short` keeps the original encoding. */
function reassemblable(text: string, bytes: Uint8Array): string {
  const opcode = bytes[bytes.length - 2]!;
  const rel8 = (opcode >= 0x70 && opcode <= 0x7f) || (opcode >= 0xe0 && opcode <= 0xe3);
  if (!rel8 || !/^(j(?!mp)\w*|loop\w*) /.test(text) || text.includes('short')) return text;
  return text.replace(/^(\S+) /, '$1 short ');
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('disassemble(assemble(x)) reassembles to the same bytes', () => {
  for (const bits of [16, 32] as const) {
    it(`the whole corpus, BITS ${bits}`, () => {
      const lines = instructionCorpus(bits).filter((l) => !NOT_CANONICAL.test(l));
      expect(lines.length).toBeGreaterThan(2000);
      const failures: string[] = [];
      for (const line of lines) {
        const first = assemble(`bits ${bits}\n${line}\n`);
        if (!first.ok) throw new Error(first.errors.map(formatAsmError).join('\n'));
        const text = disassemble(first.bytes, { bits })
          .map((l) => reassemblable(l.text, l.bytes))
          .join('\n');
        const again = assemble(`bits ${bits}\n${text}\n`);
        const got = again.ok ? hex(again.bytes) : again.errors.map(formatAsmError).join('; ');
        if (got !== hex(first.bytes))
          failures.push(`${line} -> ${text}: ${hex(first.bytes)} vs ${got}`);
      }
      expect(failures).toEqual([]);
    });
  }
});
