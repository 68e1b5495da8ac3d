// Loaded by vitest in every test worker of a graded run: notes, synchronously, when each test
// file and each test starts and ends, so the watchdog knows what is running even when a
// synchronous loop keeps the worker from sending anything else; and starts the worker's hang
// probe (hang-probe.mjs), told of each test as it starts and ends, and gives it
// `globalThis.xenlabGuestAt` to ask the paused thread about the guest (guest-at.ts).

import { appendFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { lastGuestInstruction } from './guest-at.ts';

const log = process.env.XENLAB_RUNNER_LOG;

/** One probe per worker process (vitest may run several test files in one). */
function hangProbe(logFile: string): Worker {
  const global = globalThis as { xenlabHangProbe?: Worker };
  if (global.xenlabHangProbe === undefined) {
    const probe = new Worker(new URL('./hang-probe.mjs', import.meta.url), {
      workerData: {
        log: logFile,
        timeoutMs: Number(process.env.XENLAB_HANG_AFTER_MS ?? 60_000),
        src: process.env.XENLAB_SRC ?? '',
        sites: JSON.parse(process.env.XENLAB_HANG_SITES ?? '[]') as string[],
      },
    });
    probe.unref();
    global.xenlabHangProbe = probe;
  }
  return global.xenlabHangProbe;
}

if (log !== undefined && log !== '') {
  const probe = hangProbe(log);
  const src = process.env.XENLAB_SRC ?? '';
  Object.assign(globalThis, {
    xenlabGuestAt: (values: unknown[]) => lastGuestInstruction(values, src),
  });
  const note = (what: string, id: string) => appendFileSync(log, `${what} ${id}\n`);
  const file = () => expect.getState().testPath ?? '';
  beforeAll(() => note('file-start', file()));
  afterAll(() => note('file-end', file()));
  beforeEach((context) => {
    note('start', context.task.id);
    probe.postMessage({ start: context.task.id });
  });
  afterEach((context) => {
    note('end', context.task.id);
    probe.postMessage({ end: context.task.id });
  });
}
