// Exit codes of the `xenlab` command, shared by every subcommand so scripts can rely on them.

export const EXIT = {
  /** The command did what was asked and everything checked out. */
  ok: 0,
  /** The command ran, and what it checked failed (a test, a setup check, a guest crash). */
  failed: 1,
  /** The command line was wrong: unknown command or option, missing argument. */
  usage: 2,
  /** xenlab itself broke (a bug): please report it with the printed details. */
  internal: 70,
} as const;
