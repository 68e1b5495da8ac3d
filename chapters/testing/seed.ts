// The seed of a graded run: every random value a chapter test uses comes from it, so a failure
// reproduces with `npx xenlab grade NN --seed S` (docs/architecture.md §8).

import { Prng } from '../../sim/host.ts';

/** The run's seed: $XENLAB_SEED, or 1 when unset. */
export function testSeed(): number {
  const raw = process.env.XENLAB_SEED;
  if (raw === undefined || raw === '') return 1;
  const seed = Number(raw);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new Error(`XENLAB_SEED must be an integer in 0..2^32-1, not "${raw}"`);
  }
  return seed;
}

/**
 * A generator for one test, seeded from the run's seed and the test's own label, so adding a
 * test does not change the values another test draws.
 */
export function testRng(label: string): Prng {
  let h = testSeed() ^ 0x811c9dc5;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
  return new Prng(h >>> 0);
}
