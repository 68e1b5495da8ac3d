import { describe, expect, it } from 'vitest';
import { Prng } from './prng.ts';

describe('Prng (xoshiro128** seeded by SplitMix32)', () => {
  it('matches the xoshiro128** reference sequence from state {1, 2, 3, 4}', () => {
    const p = new Prng(0);
    p.setState([1, 2, 3, 4]);
    const out = Array.from({ length: 4 }, () => p.nextU32());
    expect(out).toEqual([11520, 0, 5927040, 70819200]);
  });

  it('gives the same sequence for the same seed and a different one for another seed', () => {
    const a = new Prng(42);
    const b = new Prng(42);
    const c = new Prng(43);
    const seqA = Array.from({ length: 100 }, () => a.nextU32());
    const seqB = Array.from({ length: 100 }, () => b.nextU32());
    const seqC = Array.from({ length: 100 }, () => c.nextU32());
    expect(seqA).toEqual(seqB);
    expect(seqA).not.toEqual(seqC);
  });

  it('restores a saved state exactly', () => {
    const p = new Prng(7);
    p.nextU32();
    const saved = p.getState();
    const first = [p.nextU32(), p.nextU32()];
    p.setState(saved);
    expect([p.nextU32(), p.nextU32()]).toEqual(first);
  });

  it('refuses the all-zero state, which would output zeros forever', () => {
    expect(() => new Prng(1).setState([0, 0, 0, 0])).toThrow(RangeError);
  });

  it('below(n) stays in range and reaches every value', () => {
    const p = new Prng(1);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const x = p.below(6);
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(6);
      seen.add(x);
    }
    expect(seen.size).toBe(6);
    expect(() => p.below(0)).toThrow(RangeError);
  });

  it('nextFloat is in [0, 1)', () => {
    const p = new Prng(3);
    for (let i = 0; i < 1000; i++) {
      const f = p.nextFloat();
      expect(f >= 0 && f < 1).toBe(true);
    }
  });
});
