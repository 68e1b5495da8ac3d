#!/usr/bin/env node
// The `xenlab` command. The sources are TypeScript: tsx compiles them as they load.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../grader/cli.ts');
process.exitCode = await main(process.argv);
