// The disassembler against NASM's ndisasm over the instruction corpus: same instruction
// boundaries, and the same mnemonics and operands once presentation is normalised (size and
// distance keywords, which each tool prints where it thinks them useful). Skipped, saying so,
// when ndisasm is not installed.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { instructionCorpus } from './corpus.ts';
import { type DisasmLine, disassemble } from './disasm.ts';
import { assemble } from './index.ts';

const hasNdisasm = spawnSync('ndisasm', ['-v']).status === 0;
const title = hasNdisasm
  ? 'disassembler agrees with ndisasm'
  : 'disassembler agrees with ndisasm — SKIPPED: ndisasm is not installed (apt-get install nasm)';

interface Listed {
  address: number;
  hex: string;
  text: string;
}

/** ndisasm's listing: address, hex (long ones continue on `-` lines), instruction. */
function ndisasm(bytes: Uint8Array, bits: 16 | 32): Listed[] {
  const path = join(mkdtempSync(join(tmpdir(), 'xenlab-ndisasm-')), 'in.bin');
  writeFileSync(path, bytes);
  const out = spawnSync('ndisasm', ['-b', String(bits), path], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  }).stdout;
  const listed: Listed[] = [];
  for (const line of out.split('\n')) {
    const more = /^\s+-([0-9A-F]+)/.exec(line);
    if (more !== null) {
      listed[listed.length - 1]!.hex += more[1]!.toLowerCase();
      continue;
    }
    const m = /^([0-9A-F]{8}) {2}(\S+)\s+(.*)$/.exec(line);
    if (m !== null)
      listed.push({ address: Number.parseInt(m[1]!, 16), hex: m[2]!.toLowerCase(), text: m[3]! });
  }
  return listed;
}

/** Drops what is presentation: size, distance and explicit prefix keywords, spacing. */
function normalise(text: string): string {
  return text
    .replace(/^wait (?!$)/, '')
    .replace(/\b(byte|word|dword|qword|tword|short|near|o16|o32|a16|a32) /g, '')
    .replace(/^(aa[md]) 0xa$/, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Ours, with WAIT fused to what follows as ndisasm prints it: `9B D9 /7` is one `fstcw`, and
 * `9B 9B 9C` one `wait pushf`.
 */
function fused(lines: readonly DisasmLine[], reference: ReadonlyMap<number, Listed>): Listed[] {
  const out: Listed[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const theirs = reference.get(l.address);
    let hex = Buffer.from(l.bytes).toString('hex');
    let text = l.text;
    while (
      text === 'wait' &&
      theirs !== undefined &&
      theirs.hex.length > hex.length &&
      i + 1 < lines.length
    ) {
      const next = lines[++i]!;
      hex += Buffer.from(next.bytes).toString('hex');
      text = next.text.replace(/^fn/, 'f');
    }
    out.push({ address: l.address, hex, text });
  }
  return out;
}

describe.skipIf(!hasNdisasm)(title, () => {
  for (const bits of [16, 32] as const) {
    it(`over the whole corpus, BITS ${bits}`, () => {
      const assembled = assemble(`bits ${bits}\n${instructionCorpus(bits).join('\n')}\n`);
      if (!assembled.ok) throw new Error('the corpus does not assemble');
      const reference = ndisasm(assembled.bytes, bits);
      const byAddress = new Map(reference.map((l) => [l.address, l]));
      const ours = fused(disassemble(assembled.bytes, { bits }), byAddress);
      expect(ours.length).toBeGreaterThan(2000);
      const disagreements = ours
        .map((l) => ({ ours: l, theirs: byAddress.get(l.address) }))
        .filter(
          ({ ours, theirs }) =>
            theirs === undefined ||
            theirs.hex !== ours.hex ||
            normalise(theirs.text) !== normalise(ours.text),
        )
        .map(({ ours, theirs }) => `${ours.hex}: ours '${ours.text}', ndisasm '${theirs?.text}'`);
      expect(disagreements).toEqual([]);
    });
  }
});
