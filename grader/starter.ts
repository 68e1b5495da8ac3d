// The fresh starter of a chapter, from the stager: what `grade` compares a learner's src/ with
// to pick a default chapter, and what `reset` restores.

import type { GradedChapter } from './chapters.ts';

/** Whether the learner's chapters/NN-slug/src differs from a fresh starter. */
export async function chapterChanged(_chapter: GradedChapter): Promise<boolean> {
  return false;
}
