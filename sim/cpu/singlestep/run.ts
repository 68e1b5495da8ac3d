// `npm run singlestep -- DIR [FILTER…]`: runs every SingleStepTests opcode file in DIR (or only
// those whose name starts with a FILTER), prints pass/fail per file and a final
// "N passed, M failed" line. Exit status 1 when any test failed. Node-only.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PhysMemory } from '../../memory/memory.ts';
import { Cpu } from '../cpu.ts';
import { listOpcodeFiles, readOpcodeFile, readRevocations } from './files.ts';
import { runMooTest } from './harness.ts';
import { outOfScope } from './scope.ts';

const [dir, ...filters] = process.argv.slice(2);
if (dir === undefined) {
  console.error('usage: npm run singlestep -- DIR [FILE-PREFIX…]');
  process.exit(2);
}
if (!existsSync(join(dir, 'metadata.json'))) {
  console.error(`singlestep: ${dir} is not a SingleStepTests directory (no metadata.json there)`);
  console.error(
    'the 80286 set is in ../shared/testdata/singlestep-80286, its slice in ' +
      'sim/cpu/singlestep/slice (docs/testdata.md)',
  );
  process.exit(2);
}
const verbose = process.env.SINGLESTEP_VERBOSE !== undefined;
const revoked = readRevocations(dir);
const cpu = new Cpu(new PhysMemory(16 << 20));
let passed = 0;
let failed = 0;
const skippedByReason = new Map<string, number>();
for (const file of listOpcodeFiles(dir)) {
  if (filters.length > 0 && !filters.some((f) => file.name.startsWith(f))) continue;
  let filePassed = 0;
  let fileFailed = 0;
  let fileSkipped = 0;
  let firstFailure = '';
  for (const test of readOpcodeFile(file)) {
    if (revoked.has(test.hash)) continue;
    const reason = outOfScope(test);
    if (reason !== undefined) {
      skippedByReason.set(reason, (skippedByReason.get(reason) ?? 0) + 1);
      fileSkipped++;
      continue;
    }
    const problem = runMooTest(cpu, test, file.flagsMask);
    if (problem === null) {
      filePassed++;
    } else {
      fileFailed++;
      const line = `#${test.index} ${test.name} (${Buffer.from(test.bytes).toString('hex')}): ${problem}`;
      if (firstFailure === '') firstFailure = line;
      if (verbose) console.log(`    ${line}`);
    }
  }
  passed += filePassed;
  failed += fileFailed;
  const status = fileFailed === 0 ? 'pass' : 'FAIL';
  const note = fileSkipped === 0 ? '' : ` (${fileSkipped} out of scope)`;
  console.log(`${status} ${file.name}: ${filePassed}/${filePassed + fileFailed}${note}`);
  if (fileFailed > 0 && !verbose) console.log(`    first: ${firstFailure}`);
}
for (const [reason, count] of skippedByReason) console.log(`out of scope: ${count} × ${reason}`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
