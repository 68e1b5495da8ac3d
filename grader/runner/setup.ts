// Loaded by vitest in every test worker of a graded run: notes, synchronously, when each test
// file and each test starts and ends, so the watchdog knows what is running even when a
// synchronous loop keeps the worker from sending anything else.

import { appendFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';

const log = process.env.XENLAB_RUNNER_LOG;

if (log !== undefined && log !== '') {
  const note = (what: string, id: string) => appendFileSync(log, `${what} ${id}\n`);
  const file = () => expect.getState().testPath ?? '';
  beforeAll(() => note('file-start', file()));
  afterAll(() => note('file-end', file()));
  beforeEach((context) => note('start', context.task.id));
  afterEach((context) => note('end', context.task.id));
}
