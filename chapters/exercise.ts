// The exercise manifest's shape: every chapters/NN-slug/exercises.ts exports
// `EXERCISES: Exercise[]` (docs/architecture.md §8). The grader, the stager and the site read it.

export interface Exercise {
  /** Chapter-prefixed kebab-case id, the same as the marker in solutions/: `02-start-info`. */
  id: string;
  title: string;
  /** Points for the whole exercise, shared equally by its graded tests. */
  points: number;
  /** Where the learner works, relative to the chapter folder: `src/xen/builder.ts`. */
  files: string[];
  /** The book section it implements: `2.8`, `5.7.2`. */
  section: string;
  /** Two or three hints, from a nudge to nearly the answer; revealed one at a time. */
  hints: string[];
  /** Guest instructions a test of this exercise may run before it counts as a hang. */
  fuel: number;
}
