// Tier 2: the SingleStepTests 80286 hardware vectors (../shared/testdata/singlestep-80286).
// Every test of every opcode file must pass, except the forms scope.ts lists with a reason.

import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PhysMemory } from '../../memory/memory.ts';
import { Cpu } from '../cpu.ts';
import { listOpcodeFiles, readOpcodeFile, readRevocations } from './files.ts';
import { runMooTest } from './harness.ts';
import { OUT_OF_SCOPE, outOfScope } from './scope.ts';

const DIR = '../shared/testdata/singlestep-80286';
const present = existsSync(DIR);
if (!present) console.warn(`singlestep: ${DIR} not found; tier skipped`);

describe.skipIf(!present)('SingleStepTests 80286 (real mode)', () => {
  const files = present ? listOpcodeFiles(DIR) : [];
  const revoked = present ? readRevocations(DIR) : new Set<string>();
  const cpu = new Cpu(new PhysMemory(16 << 20));
  const used = new Set<string>();

  for (const file of files) {
    it(`${file.name} passes every in-scope test`, () => {
      const failures: string[] = [];
      let seen = 0;
      for (const test of readOpcodeFile(file)) {
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
});
