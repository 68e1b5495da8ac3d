import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURE_EXERCISES } from '../fixtures/grade.ts';
import { loadRevealed, saveRevealed } from '../results-cache.ts';
import { revealHints } from './hint.ts';

const add = FIXTURE_EXERCISES[0]!;

describe('xenlab hint', () => {
  const saved = process.env.XENLAB_CACHE;
  afterEach(() => {
    process.env.XENLAB_CACHE = saved;
  });

  it('reveals one hint per call, in order, and says how many remain', () => {
    const first = revealHints(add, 0, false);
    expect(first.revealed).toBe(1);
    expect(first.text).toMatch(/Hint 1\/3 \(new\): Numbers can be added\./);
    expect(first.text).not.toMatch(/Hint 2/);
    expect(first.text).toMatch(/2 more hints: run `npx xenlab hint 01-fixture-add` again/);
    const second = revealHints(add, first.revealed, false);
    expect(second.text).toMatch(/Hint 1\/3: Numbers[\s\S]*Hint 2\/3 \(new\): JavaScript/);
    expect(second.text).toMatch(/1 more hint:/);
    const third = revealHints(add, second.revealed, false);
    expect(third.text).toMatch(/Hint 3\/3 \(new\): return a \+ b;/);
    expect(third.text).toMatch(/No hints remain\. Read book §1\.4/);
    const again = revealHints(add, third.revealed, false);
    expect(again.revealed).toBe(3);
    expect(again.text).not.toMatch(/\(new\)/);
  });

  it('--all shows every hint', () => {
    const all = revealHints(add, 0, true);
    expect(all.revealed).toBe(3);
    expect(all.text.match(/^Hint \d\/3/gm)).toHaveLength(3);
  });

  it('keeps what was revealed in the cache folder', () => {
    process.env.XENLAB_CACHE = mkdtempSync(join(tmpdir(), 'xenlab-cache-'));
    expect(loadRevealed()).toEqual({});
    saveRevealed({ '01-fixture-add': 2 });
    expect(loadRevealed()).toEqual({ '01-fixture-add': 2 });
  });
});
