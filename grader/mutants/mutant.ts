// One mutant of the reference (grader/mutants/index.ts): a text replacement in one file of a
// chapter's solved snapshot, and why the result is wrong.

export interface Mutant {
  /** Unique, kebab-case: what the bug is (`console-no-chunking`). */
  name: string;
  /** The exercise whose body it changes (`02-console-write`). */
  exercise: string;
  /** The file, relative to the snapshot's src/ (as under solutions/): `xen/console.ts`. */
  file: string;
  /** Text that occurs exactly once in the file of the solved snapshot. */
  search: string;
  replace: string;
  /** Why the result is wrong, in the book's terms: what a test must catch. */
  why: string;
}

/** The snapshot `files` with `m` applied; throws when its search text is not there exactly once. */
export function applyMutant(
  files: Readonly<Record<string, string>>,
  m: Mutant,
): Record<string, string> {
  const text = files[m.file];
  if (text === undefined) throw new Error(`mutant ${m.name}: no file ${m.file} in the snapshot`);
  const at = text.indexOf(m.search);
  if (at < 0 || text.indexOf(m.search, at + 1) >= 0) {
    throw new Error(
      `mutant ${m.name}: its search text must occur exactly once in ${m.file} ` +
        `(${at < 0 ? 'not found' : 'found more than once'}); the reference changed — update the mutant`,
    );
  }
  const mutated = text.slice(0, at) + m.replace + text.slice(at + m.search.length);
  return { ...files, [m.file]: mutated };
}
