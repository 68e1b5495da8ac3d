// The `xenlab` command line: one module per subcommand under grader/commands/, registered here.

import { Command, CommanderError } from 'commander';
import * as asm from './commands/asm.ts';
import * as checkSetup from './commands/check-setup.ts';
import * as classroom from './commands/classroom.ts';
import * as disasm from './commands/disasm.ts';
import * as grade from './commands/grade.ts';
import * as handout from './commands/handout.ts';
import * as hint from './commands/hint.ts';
import * as invariants from './commands/invariants.ts';
import * as mkdisk from './commands/mkdisk.ts';
import * as mutants from './commands/mutants.ts';
import * as pristine from './commands/pristine.ts';
import * as progress from './commands/progress.ts';
import * as reset from './commands/reset.ts';
import * as run from './commands/run.ts';
import * as stage from './commands/stage.ts';
import * as start from './commands/start.ts';
import * as watch from './commands/watch.ts';
import * as xapi from './commands/xapi.ts';
import * as xenstored from './commands/xenstored.ts';
import * as xl from './commands/xl.ts';
import { EXIT } from './exit-codes.ts';

/** Every subcommand, in the order --help lists them. */
const COMMANDS: ReadonlyArray<{ register(program: Command): void }> = [
  start,
  checkSetup,
  grade,
  watch,
  hint,
  progress,
  reset,
  run,
  xenstored,
  xapi,
  xl,
  mkdisk,
  asm,
  disasm,
  handout,
  classroom,
  pristine,
  stage,
  invariants,
  mutants,
];

export function buildProgram(): Command {
  const program = new Command('xenlab')
    .description('xenlab: an exercise-driven textbook for the Xen hypervisor')
    .exitOverride()
    .showHelpAfterError('(run `xenlab --help` for the commands)')
    .addHelpText(
      'after',
      `\nExit codes: ${EXIT.ok} ok, ${EXIT.failed} a check or test failed, ` +
        `${EXIT.usage} bad command line, ${EXIT.internal} internal error.`,
    );
  for (const command of COMMANDS) command.register(program);
  return program;
}

/** Runs the command line and returns the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help asked for is success; help shown because no command was given is a usage error.
      return e.code === 'commander.helpDisplayed' ? EXIT.ok : EXIT.usage;
    }
    console.error('xenlab: internal error — please report this with the command you ran:');
    console.error(e);
    return EXIT.internal;
  }
}
