// DESIGN.md §3: every staged chapter's src/ is exactly what the stager generates from solutions/.
// The full set of invariants is `npm run invariants`; this is the fast part `npm test` runs.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { REPO_ROOT } from '../cache.ts';
import { drift, readMarkedTree, snapshot, stagedChapters } from './index.ts';

test('chapters/*/src equals a fresh generation from solutions/ (`npx xenlab stage` fixes it)', async () => {
  const tree = await readMarkedTree();
  const staged = stagedChapters();
  const checked: string[] = [];
  for (const chapter of staged) {
    const dir = join(REPO_ROOT, 'chapters', chapter.slug, 'src');
    expect(existsSync(dir), `chapters/${chapter.slug} has exercises.ts but no src/`).toBe(true);
    const differ = drift(dir, snapshot(tree, chapter, false));
    expect(differ, `chapters/${chapter.slug}/src differs from solutions/ in these files`).toEqual(
      [],
    );
    checked.push(chapter.id);
  }
  expect(checked).toEqual(staged.map((c) => c.id));
});
