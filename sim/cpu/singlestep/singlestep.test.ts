// Tier 2: the SingleStepTests 80286 hardware vectors (docs/testdata.md). The full set in
// ../shared/testdata/singlestep-80286 when it is there, else the slice the repository carries
// (./slice: every opcode file, a few tests each), so a fresh clone still runs this tier. Every
// test of every opcode file must pass, except the forms scope.ts lists with a reason.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PhysMemory } from '../../memory/memory.ts';
import { Cpu } from '../cpu.ts';
import { listOpcodeFiles, readOpcodeFile, readRevocations } from './files.ts';
import { runMooTest } from './harness.ts';
import { OUT_OF_SCOPE, outOfScope } from './scope.ts';

const FULL = '../shared/testdata/singlestep-80286';
const SLICE = fileURLToPath(new URL('./slice', import.meta.url));
const full = existsSync(FULL);
const DIR = full ? FULL : SLICE;
console.info(`singlestep: ${full ? 'the full set' : 'the slice'} in ${DIR}`);

describe(`SingleStepTests 80286 (real mode, ${full ? 'full set' : 'slice'})`, () => {
  const files = listOpcodeFiles(DIR);
  const revoked = readRevocations(DIR);
  const cpu = new Cpu(new PhysMemory(16 << 20));
  const used = new Set<string>();
  /** The hashes of each file's tests, to check the slice against the full set. */
  const hashes = new Map<string, Set<string>>();

  it('has an opcode file for every instruction form of the suite', () => {
    // 325 files: v1_real_mode/ without C8, which is missing upstream.
    expect(files.length).toBe(325);
  });

  for (const file of files) {
    it(`${file.name} passes every in-scope test`, () => {
      const failures: string[] = [];
      let seen = 0;
      const tests = readOpcodeFile(file);
      hashes.set(file.name, new Set(tests.map((t) => t.hash)));
      for (const test of tests) {
        if (revoked.has(test.hash)) continue;
        seen++;
        const reason = outOfScope(test);
        if (reason !== undefined) {
          used.add(reason);
          continue;
        }
        const problem = runMooTest(cpu, test, file.flagsMask);
        if (problem !== null) failures.push(`#${test.index} ${test.name}: ${problem}`);
      }
      expect(failures.slice(0, 5)).toEqual([]);
      expect(seen).toBeGreaterThan(0);
    });
  }

  it('every out-of-scope rule still matches some test', () => {
    expect(OUT_OF_SCOPE.map((r) => r.reason).filter((r) => !used.has(r))).toEqual([]);
  });

  // Only the full set can vouch for the slice; on a fresh clone there is nothing to compare with.
  if (full) {
    it('the slice holds only tests of the full set', () => {
      const foreign: string[] = [];
      for (const file of listOpcodeFiles(SLICE)) {
        const known = hashes.get(file.name);
        for (const test of readOpcodeFile(file)) {
          if (known?.has(test.hash) !== true) foreign.push(`${file.name} #${test.index}`);
        }
      }
      expect(foreign.slice(0, 5), 'slice tests missing from the full set').toEqual([]);
    });
  }
});
