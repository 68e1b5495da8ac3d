// Your working copy for chapter 10, generated from solutions/exercise.ts by npx xenlab stage.
// What an unsolved exercise throws: the stager replaces each exercise body in the chapter's
// starter with `throw new NotImplemented(id, section)` (solutions/README.md,
// docs/architecture.md §7).

/** An exercise the learner has not written yet. The grader reports it with its hints. */
export class NotImplemented extends Error {
  override name = 'NotImplemented';

  constructor(
    /** The exercise id, e.g. `02-start-info`. */
    readonly exercise: string,
    /** The book section that explains it, e.g. `2.1`. */
    readonly section: string,
  ) {
    super(
      `exercise ${exercise} is not implemented yet (book §${section}); ` +
        `\`npx xenlab hint ${exercise}\` gives a hint`,
    );
  }
}
