// Differential test against NASM (`nasm -f bin`): the instruction corpus generated from the
// opcode table, line by line in BITS 16 and 32, and the hand-written programs in testdata/, must
// assemble to the same bytes. Skipped, saying so, when nasm is not installed.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Prng } from '../prng.ts';
import { instructionCorpus } from './corpus.ts';
import { assemble, formatAsmError } from './index.ts';

const hasNasm = spawnSync('nasm', ['-v']).status === 0;
const title = hasNasm
  ? 'differential against NASM'
  : 'differential against NASM — SKIPPED: nasm is not installed (apt-get install nasm)';
const testdata = fileURLToPath(new URL('testdata/', import.meta.url));
const repo = fileURLToPath(new URL('../../', import.meta.url));
/** Folders whose top-level .asm files are whole programs (their %includes resolve there). */
const PROGRAM_DIRS = ['solutions/guests', 'sim/cpu/kernels', 'bench'];
/** Golden lines for the nasm-free test: every GOLDEN_STRIDE-th corpus line with NASM's bytes. */
const GOLDEN_STRIDE = 3;

/** Runs nasm -f bin on `source`; returns the output and the bytes of each source line. */
function nasm(
  source: string,
  args: readonly string[] = [],
): { bytes: Buffer; lines: Map<number, string>; errors: string } {
  const dir = mkdtempSync(join(tmpdir(), 'xenlab-nasm-'));
  writeFileSync(join(dir, 'in.asm'), source);
  const r = spawnSync('nasm', ['-f', 'bin', 'in.asm', '-o', 'out.bin', '-l', 'out.lst', ...args], {
    cwd: dir,
    encoding: 'utf8',
  });
  if (r.status !== 0) return { bytes: Buffer.alloc(0), lines: new Map(), errors: r.stderr };
  const lines = new Map<number, string>();
  // Listing lines: line number, offset, hex bytes (a trailing '-' continues on the next line).
  for (const l of readFileSync(join(dir, 'out.lst'), 'utf8').split('\n')) {
    const m = /^\s*(\d+) [0-9A-F]{8} ([0-9A-F[\]()]+)/.exec(l);
    if (m === null) continue;
    const n = Number(m[1]);
    lines.set(n, (lines.get(n) ?? '') + m[2]!.replace(/[[\]()-]/g, '').toLowerCase());
  }
  return { bytes: readFileSync(join(dir, 'out.bin')), lines, errors: '' };
}

/**
 * A random program whose layout depends on NASM's jump-size choices: jumps to labels at random
 * distances, absolute and relative uses of labels, alignment and filler.
 */
function randomProgram(prng: Prng): string {
  const bits = prng.below(2) === 0 ? 16 : 32;
  const [a, b] = bits === 32 ? ['ebx', 'ecx'] : ['bx', 'cx'];
  const label = () => `L${prng.below(8)}`;
  const cc = ['z', 'nz', 'c', 'a', 'l', 'ge'];
  const makers: Array<() => string> = [
    () => `jmp ${label()}`,
    () => `j${cc[prng.below(cc.length)]} ${label()}`,
    () => `times ${prng.below(140)} nop`,
    () => `call ${label()}`,
    () => `mov eax, ${label()}`,
    () => `add ${a}, ${label()} - $$`,
    () => `mov ${b}, [${a} + ${label()} - ${label()}]`,
    () => `align ${1 << prng.below(5)}`,
    () => `db ${label()} - $$, 'x'`,
    () => `push ${prng.below(2) === 0 ? label() : prng.below(300) - 150}`,
    () => `loop $+${prng.below(100)}`,
    () => `dw ${label()}`,
    () => `imul eax, ${label()} - $$`,
  ];
  const lines = [`bits ${bits}`, `org 0x${(prng.below(16) * 0x100).toString(16)}`];
  const order = Array.from({ length: 8 }, (_, i) => i);
  const count = 20 + prng.below(60);
  for (let i = 0; i < count; i++) {
    if (prng.below(8) === 0 && order.length > 0) lines.push(`L${order.pop()}:`);
    lines.push(makers[prng.below(makers.length)]!());
  }
  for (const n of order) lines.push(`L${n}: nop`);
  return `${lines.join('\n')}\n`;
}

/** Every .asm/.inc under `dir`, keyed by path relative to it (the assembler's virtual FS). */
function filesUnder(dir: string, prefix = ''): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) Object.assign(files, filesUnder(dir, rel));
    else if (/\.(asm|inc)$/.test(entry.name)) files[rel] = readFileSync(join(dir, rel), 'utf8');
  }
  return files;
}

function ours(source: string): string {
  const r = assemble(source);
  return r.ok
    ? Buffer.from(r.bytes).toString('hex')
    : `error: ${r.errors.map(formatAsmError).join('; ')}`;
}

describe.skipIf(!hasNasm)(title, () => {
  for (const bits of [16, 32] as const) {
    it(`encodes every form of the opcode table as NASM does (BITS ${bits})`, () => {
      const corpus = instructionCorpus(bits);
      expect(corpus.length).toBeGreaterThan(2000);
      const source = `bits ${bits}\n${corpus.join('\n')}\n`;
      const reference = nasm(source);
      expect(reference.errors).toBe('');
      const mismatches = corpus
        .map((line, i) => ({
          line,
          nasm: reference.lines.get(i + 2) ?? '',
          ours: ours(`bits ${bits}\n${line}`),
        }))
        .filter((m) => m.nasm !== m.ours);
      expect(mismatches).toEqual([]);
      expect(ours(source)).toBe(reference.bytes.toString('hex'));
      if (process.env.XENLAB_WRITE_GOLDEN === '1') {
        // Refreshes the expectations of encode.test.ts (which runs without nasm).
        const golden = corpus
          .filter((_, i) => i % GOLDEN_STRIDE === 0)
          .map((line) => `${line}\t${reference.lines.get(corpus.indexOf(line) + 2)}`);
        writeFileSync(join(testdata, `golden${bits}.txt`), `${golden.join('\n')}\n`);
      }
    });
  }

  it('warns where NASM warns of a label alone on a line without a colon', () => {
    const source = ['bits 32', 'rdtscx', 'start:', 'foo', 'bar db 1', 'ret', '.local', 'rdtsc'];
    const dir = mkdtempSync(join(tmpdir(), 'xenlab-nasm-'));
    writeFileSync(join(dir, 'in.asm'), `${source.join('\n')}\n`);
    const r = spawnSync('nasm', ['-f', 'bin', 'in.asm', '-o', 'out.bin'], {
      cwd: dir,
      encoding: 'utf8',
    });
    const theirs = [...r.stderr.matchAll(/^in\.asm:(\d+): warning: label alone on a line/gm)];
    const result = assemble(`${source.join('\n')}\n`, { fileName: 'in.asm' });
    expect(result.ok).toBe(true);
    const warned = result.ok ? result.warnings.map((w) => w.line) : [];
    expect(warned).toEqual(theirs.map((m) => Number(m[1])));
    expect(warned.length).toBeGreaterThan(0);
  });

  const sources = PROGRAM_DIRS.flatMap((dir) =>
    readdirSync(join(repo, dir))
      .filter((f) => f.endsWith('.asm'))
      .map((f) => `${dir}/${f}`),
  );
  it.each(sources)('assembles %s as NASM does (those NASM accepts as a whole program)', (path) => {
    const source = readFileSync(join(repo, path), 'utf8');
    const dir = join(repo, path, '..');
    const reference = nasm(source, ['-i', `${dir}/`]);
    if (reference.errors !== '') return; // an include-only file or one needing -D
    const r = assemble(source, { fileName: path, files: filesUnder(dir) });
    expect(r.ok && Buffer.from(r.bytes).toString('hex')).toBe(reference.bytes.toString('hex'));
  });

  it('lays out random programs as NASM does: forward and backward jumps, labels in data', () => {
    const prng = new Prng(0x5eed);
    const mismatches: string[] = [];
    for (let i = 0; i < 60; i++) {
      const source = randomProgram(prng);
      const reference = nasm(source);
      const got = ours(source);
      if (reference.errors === '' && got !== reference.bytes.toString('hex'))
        mismatches.push(source);
    }
    expect(mismatches).toEqual([]);
  });

  const programs = readdirSync(testdata).filter((f) => f.endsWith('.asm'));
  it.each(programs)('assembles testdata/%s as NASM does', (name) => {
    const source = readFileSync(join(testdata, name), 'utf8');
    const reference = nasm(source);
    expect(reference.errors).toBe('');
    expect(ours(source)).toBe(reference.bytes.toString('hex'));
  });
});
