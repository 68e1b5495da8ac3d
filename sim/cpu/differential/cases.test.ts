import { describe, expect, it } from 'vitest';
import { CASE_REGS, generateCases, OF, SCRATCH_BYTES } from './cases.ts';
import { comparedFlags, difference } from './simulate.ts';

describe('differential case generation', () => {
  it('is a pure function of the seed', () => {
    const a = generateCases(42, 300);
    expect(generateCases(42, 300)).toEqual(a);
    expect(generateCases(43, 300)).not.toEqual(a);
    for (const c of a) {
      expect(c.regs).toHaveLength(CASE_REGS.length);
      expect(c.memory).toHaveLength(SCRATCH_BYTES);
      expect(c.asm).not.toMatch(/\besp\b/);
    }
  });

  it('masks the undefined flags of the table and of the case', () => {
    const shift = generateCases(1, 2000).find((c) => c.asm.startsWith('shl') && c.undefinedFlags);
    expect(shift).toBeDefined();
    expect(comparedFlags(shift!) & OF).toBe(0);
    const daa = generateCases(1, 2000).find((c) => c.asm === 'daa');
    expect(comparedFlags(daa!) & 0xd5).toBe(0xd5); // CF PF AF ZF SF compared, OF not
  });

  it('reports register, flag, memory and error differences', () => {
    const [c] = generateCases(5, 1);
    const same = { regs: [1, 2, 3, 4, 5, 6, 7], flags: 0x2, memory: new Uint8Array(SCRATCH_BYTES) };
    expect(difference(c!, same, { ...same })).toBeNull();
    const memory = new Uint8Array(SCRATCH_BYTES);
    memory[9] = 1;
    const d = difference(c!, same, { ...same, regs: [1, 2, 3, 9, 5, 6, 7], memory, error: 'boom' });
    expect(d).toMatch(/boom/);
    expect(d).toMatch(/ebx: host 00000004, sim 00000009/);
    expect(d).toMatch(/memory\[9\]/);
  });
});
