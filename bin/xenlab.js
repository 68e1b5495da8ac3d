#!/usr/bin/env node
// The `xenlab` command. The sources are TypeScript: tsx compiles them as they load.
import { register } from 'tsx/esm/api';

register();
// A reader that goes away (`xenlab run hello | head -1`) ends the command quietly, as in Unix tools.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});
const { main } = await import('../grader/cli.ts');
process.exitCode = await main(process.argv);
