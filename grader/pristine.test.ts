import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pristineDrift } from './commands/pristine.ts';
import { checkPristine, hashHelpers, hashTests, pristineFailure, TESTING } from './pristine.ts';

describe('pristine chapter tests', () => {
  it('grader/pristine.json records exactly the committed chapter tests', () => {
    expect(
      pristineDrift(),
      'a chapter’s tests changed: record them with `npx xenlab pristine --update`',
    ).toEqual([]);
  });

  it('detects a modified, an added and a missing test file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'xenlab-pristine-'));
    mkdirSync(join(dir, 'tests'));
    writeFileSync(join(dir, 'tests', 'a.test.ts'), 'one\n');
    writeFileSync(join(dir, 'tests', 'b.test.ts'), 'two\n');
    const record = { '02-x': hashTests(dir) };
    expect(checkPristine('02-x', dir, record)).toEqual({ ok: true, recorded: true, problems: [] });
    // CRLF line endings do not count as a change.
    writeFileSync(join(dir, 'tests', 'b.test.ts'), 'two\r\n');
    expect(checkPristine('02-x', dir, record).ok).toBe(true);
    writeFileSync(join(dir, 'tests', 'a.test.ts'), 'one, edited\n');
    writeFileSync(join(dir, 'tests', 'c.test.ts'), 'new\n');
    const check = checkPristine('02-x', dir, record);
    expect(check.problems).toEqual(['tests/a.test.ts was modified', 'tests/c.test.ts was added']);
    expect(pristineFailure('02-x', check.problems)).toMatch(
      /chapters\/02-x\/tests\/a\.test\.ts was modified[\s\S]*git checkout chapters\/02-x\/tests/,
    );
    expect(checkPristine('03-y', dir, record)).toEqual({ ok: true, recorded: false, problems: [] });
  });

  it('covers the helpers the tests share: an edited invariant checker refuses the grade', () => {
    const dir = mkdtempSync(join(tmpdir(), 'xenlab-pristine-'));
    writeFileSync(join(dir, 'invariants.ts'), 'export const audit = () => [];\n');
    const record = { [TESTING]: hashHelpers(dir) };
    expect(checkPristine(TESTING, dir, record).ok).toBe(true);
    writeFileSync(join(dir, 'invariants.ts'), 'export const audit = () => []; // weakened\n');
    const check = checkPristine(TESTING, dir, record);
    expect(check.problems).toEqual(['invariants.ts was modified']);
    expect(pristineFailure(TESTING, check.problems)).toMatch(
      /chapters\/testing\/invariants\.ts was modified[\s\S]*git checkout chapters\/testing\n/,
    );
  });
});
