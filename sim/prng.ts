// Seeded randomness for everything in xenlab: the only source of "random" numbers in sim/ and
// the hypervisor, so the same seed gives the same run on every machine (docs/architecture.md §6).
//
// Algorithm: xoshiro128** (Blackman & Vigna, 2018), a 128-bit-state generator built from 32-bit
// shifts, rotates and multiplies, so it is exact in JavaScript without BigInt. The 128-bit state
// is filled from a 32-bit seed by SplitMix32 (Steele, Lea & Flood's SplitMix with a 32-bit
// output mixer), which never yields the all-zero state xoshiro must avoid.

/** One step of SplitMix32: advances `state` and returns the mixed output. */
function splitMix32(state: Uint32Array): number {
  state[0] = (state[0]! + 0x9e3779b9) >>> 0;
  let z = state[0]!;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

export class Prng {
  private readonly s = new Uint32Array(4);

  constructor(seed: number) {
    const mix = new Uint32Array([seed >>> 0]);
    for (let i = 0; i < 4; i++) this.s[i] = splitMix32(mix);
  }

  /** The next 32-bit unsigned value. */
  nextU32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1]! << 9) >>> 0;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return result;
  }

  /** A uniform integer in [0, bound), without modulo bias; `bound` is 1 … 2^32. */
  below(bound: number): number {
    if (!(bound >= 1 && bound <= 0x1_0000_0000)) {
      throw new RangeError(`Prng.below: bound ${bound} is outside 1 … 2^32`);
    }
    const limit = 0x1_0000_0000 - (0x1_0000_0000 % bound);
    for (;;) {
      const x = this.nextU32();
      if (x < limit) return x % bound;
    }
  }

  /** A uniform float in [0, 1) with 32 bits of precision. */
  nextFloat(): number {
    return this.nextU32() / 0x1_0000_0000;
  }

  /** The generator's state, to save and later restore a run exactly. */
  getState(): number[] {
    return Array.from(this.s);
  }

  setState(state: readonly number[]): void {
    if (state.length !== 4 || state.every((w) => w === 0)) {
      throw new RangeError('Prng.setState: expected four words, not all zero');
    }
    this.s.set(state);
  }
}
