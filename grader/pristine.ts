// Pristine tests: the grader grades with the tests it was installed with and reads only the
// learner's src/. pristine.json records a SHA-256 of every chapter test file and of the helpers
// they share (chapters/testing/: the invariant checkers, the test boot); if either differs from
// it, the grade fails with how to restore them — never a wrong grade.
// `xenlab pristine --update` rewrites the record after a deliberate change to a chapter's tests;
// pristine.test.ts checks in CI that the record matches the committed tests.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHAPTERS } from '../chapters/index.ts';
import { CHAPTERS_DIR, testFiles } from './chapters.ts';

export const PRISTINE_FILE = fileURLToPath(new URL('./pristine.json', import.meta.url));

/** chapter slug (or TESTING) → file (relative to that folder) → sha256 hex. */
export type PristineRecord = Record<string, Record<string, string>>;

/** The record's key for chapters/testing/, the helpers every chapter's tests import. */
export const TESTING = 'testing';

function sha256(path: string): string {
  // Line endings normalised, so a checkout with CRLF endings is still pristine.
  const text = readFileSync(path, 'utf8').replace(/\r\n/g, '\n');
  return createHash('sha256').update(text).digest('hex');
}

/** The hashes of one chapter folder's tests/. */
export function hashTests(chapterDir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const testsDir = join(chapterDir, 'tests');
  for (const f of testFiles(testsDir)) out[`tests/${f}`] = sha256(join(testsDir, f));
  return out;
}

/** The hashes of the shared test helpers, chapters/testing/. */
export function hashHelpers(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of testFiles(dir)) out[f] = sha256(join(dir, f));
  return out;
}

/** The record for every chapter that has tests, and for the helpers they share. */
export function computePristine(root = CHAPTERS_DIR): PristineRecord {
  const out: PristineRecord = {};
  for (const c of CHAPTERS) {
    const hashes = hashTests(join(root, c.slug));
    if (Object.keys(hashes).length > 0) out[c.slug] = hashes;
  }
  out[TESTING] = hashHelpers(join(root, TESTING));
  return out;
}

export function readPristine(file = PRISTINE_FILE): PristineRecord {
  if (!existsSync(file)) return {};
  return JSON.parse(readFileSync(file, 'utf8')) as PristineRecord;
}

export function writePristine(record: PristineRecord, file = PRISTINE_FILE): void {
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
}

export interface PristineCheck {
  /** The chapter's tests are as recorded. */
  ok: boolean;
  /** Whether pristine.json has a record for the chapter at all. */
  recorded: boolean;
  /** One line per modified, added or missing test file. */
  problems: string[];
}

/** Compares a chapter folder's tests/ (or, for TESTING, chapters/testing/) with the record. */
export function checkPristine(
  slug: string,
  dir: string,
  record: PristineRecord = readPristine(),
): PristineCheck {
  const want = record[slug];
  if (want === undefined) return { ok: true, recorded: false, problems: [] };
  const have = slug === TESTING ? hashHelpers(dir) : hashTests(dir);
  const problems: string[] = [];
  for (const [file, hash] of Object.entries(want)) {
    if (have[file] === undefined) problems.push(`${file} is missing`);
    else if (have[file] !== hash) problems.push(`${file} was modified`);
  }
  for (const file of Object.keys(have)) {
    if (want[file] === undefined) problems.push(`${file} was added`);
  }
  return { ok: problems.length === 0, recorded: true, problems };
}

/** What the grade prints when a chapter's tests are not pristine. */
export function pristineFailure(slug: string, problems: string[]): string {
  return [
    ...problems.map((p) => `chapters/${slug}/${p}`),
    'Grading uses the pristine tests, so this grade is refused rather than wrong. Restore them with',
    `  git checkout chapters/${slug === TESTING ? TESTING : `${slug}/tests`}`,
    '(Writing this chapter’s tests? Record them with `npx xenlab pristine --update`.)',
  ].join('\n');
}
