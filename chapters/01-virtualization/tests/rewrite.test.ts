// Chapter 1, exercise 01-rewrite: every sensitive instruction patched to trap, in place, with a
// map from patch site to the original instruction (book §1.5.1).
import { describe, expect, test } from 'vitest';
import { disassemble, ExitReason, run } from '../../../sim/host.ts';
import { testRng } from '../../testing/index.ts';
import { EXERCISES } from '../exercises.ts';
import { createVm, guestRegisters, INT3, NOP, rewrite } from '../src/monitor/index.ts';
import { assembleLines, randomStream } from './streams.ts';

const FUEL = EXERCISES.find((e) => e.id === '01-rewrite')!.fuel;
const where = (address: number) => `0x${address.toString(16)}`;

describe('01-rewrite', () => {
  test('each sensitive instruction becomes INT3 and NOPs; every other byte stays', () => {
    for (let round = 0; round < 8; round++) {
      const stream = randomStream(testRng(`rewrite ${round}`), 60);
      const before = Uint8Array.from(stream.bytes);
      const { code } = rewrite(stream.bytes, stream.org);
      expect(stream.bytes, 'rewrite must not change its input (it returns a copy)').toEqual(before);
      expect(code.length, 'the code keeps its length: nothing may move').toBe(before.length);
      const expected = Uint8Array.from(before);
      for (const insn of stream.instructions.filter((i) => i.sensitive)) {
        const offset = insn.address - stream.org;
        expected[offset] = INT3;
        expected.fill(NOP, offset + 1, offset + insn.length);
      }
      const diff = [...code.keys()].find((i) => code[i] !== expected[i]);
      expect(
        diff === undefined ? 'identical' : `differs at ${where(stream.org + diff)}`,
        'the rewritten code: INT3 (0xCC) at each sensitive instruction, NOPs (0x90) for its ' +
          'other bytes, everything else unchanged (book §1.5.1)',
      ).toBe('identical');
    }
  });

  test('the patch map gives, per site, the original bytes and text', () => {
    const stream = randomStream(testRng('rewrite patches'), 50);
    const { patches } = rewrite(stream.bytes, stream.org);
    const sites = stream.instructions.filter((i) => i.sensitive);
    expect(
      [...patches.keys()].sort((a, b) => a - b),
      'one patch per sensitive instruction',
    ).toEqual(sites.map((i) => i.address));
    for (const insn of sites) {
      const patch = patches.get(insn.address)!;
      const offset = insn.address - stream.org;
      expect(Array.from(patch.bytes), `the original bytes of '${insn.source}'`).toEqual(
        Array.from(stream.bytes.subarray(offset, offset + insn.length)),
      );
      const text = disassemble(patch.bytes, { bits: 32, org: insn.address })[0]!.text;
      expect(patch.text, `the patch's text is the original's disassembly`).toBe(text);
    }
  });

  test('rewritten code decodes in step with the original after every patch', () => {
    const stream = randomStream(testRng('rewrite boundaries'), 60);
    const { code } = rewrite(stream.bytes, stream.org);
    const starts = new Set(disassemble(code, { bits: 32, org: stream.org }).map((l) => l.address));
    for (const insn of stream.instructions) {
      expect(
        starts.has(insn.address),
        `an instruction of the rewritten code should start at ${where(insn.address)} ` +
          `('${insn.source}'): a patch must not run into the code after it`,
      ).toBe(true);
    }
  });

  test('on the CPU in ring 1, it traps at exactly the patch sites, in order', () => {
    const rng = testRng('rewrite on the cpu');
    const stream = randomStream(rng, 40);
    const { code, patches } = rewrite(stream.bytes, 0);
    const vm = createVm(Uint8Array.from([...code, 0xf4]), { ring: 1 });
    const trapped: number[] = [];
    // Skip each patched instruction (its effect is not the point here) and go on.
    while (run(vm.cpu, FUEL) === ExitReason.HostTrap && vm.cpu.exitVector === 3) {
      const site = vm.cpu.eip - 1;
      trapped.push(site);
      const patch = patches.get(site);
      if (patch === undefined) break;
      vm.cpu.eip = site + patch.length;
    }
    const sites = stream.instructions.filter((i) => i.sensitive).map((i) => i.address - stream.org);
    expect(trapped.map(where), 'the INT3 traps, one per sensitive instruction').toEqual(
      sites.map(where),
    );
    // The ordinary instructions ran as they would have without the sensitive ones.
    const ordinary = assembleLines(
      stream.instructions.filter((i) => !i.sensitive).map((i) => i.source),
      0,
    );
    const oracle = createVm(Uint8Array.from([...ordinary.bytes, 0xf4]), { ring: 1 });
    run(oracle.cpu, FUEL);
    expect(guestRegisters(vm), 'the registers after the ordinary code, patches skipped').toEqual(
      guestRegisters(oracle),
    );
  });
});
