// Loaded by vitest in every test worker of a graded run: notes, synchronously, when each test
// starts and ends, so the watchdog knows which test is running even when a synchronous loop
// keeps the worker from sending anything else.

import { appendFileSync } from 'node:fs';
import { afterEach, beforeEach } from 'vitest';

const log = process.env.XENLAB_RUNNER_LOG;

if (log !== undefined && log !== '') {
  beforeEach((context) => {
    appendFileSync(log, `start ${context.task.id}\n`);
  });
  afterEach((context) => {
    appendFileSync(log, `end ${context.task.id}\n`);
  });
}
