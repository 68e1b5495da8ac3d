// A thread beside a test worker's main thread (started by setup.ts): when a test runs past its
// time, it pauses the main thread through the inspector, which works even inside a synchronous
// infinite loop, and notes the stack there in the runner's log (`hang TASK {"stack": …}`), so the
// failure can say where the code was looping. Given the places earlier tests hung
// ($XENLAB_HANG_SITES), it also looks every second at a test running over a second, and stops
// it as soon as it loops in one of them. Plain JavaScript: a worker thread loads no TypeScript.

import { appendFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { parentPort, workerData } from 'node:worker_threads';

/** @type {{ log: string; timeoutMs: number; src: string; sites: string[] }} */
const { log, timeoutMs, src, sites } = workerData;
const SAMPLE_MS = 1000;

/** @type {{ id: string; since: number; sampled: number } | undefined} */
let running;
let probing = false;

parentPort?.on('message', (/** @type {{ start?: string; end?: string }} */ m) => {
  if (m.start !== undefined) running = { id: m.start, since: Date.now(), sampled: Date.now() };
  else if (running?.id === m.end) running = undefined;
});

/** The first frame of `stack` in the graded tree, as `function@src/FILE`, or undefined. */
function siteOf(/** @type {string} */ stack) {
  for (const line of stack.split('\n').slice(1)) {
    const m = /at (?:(\S+) \()?(?:file:\/\/)?([^():]+):\d+:\d+\)?$/.exec(line.trim());
    if (m === null || !m[2].startsWith(`${src}/`)) continue;
    return `${m[1] ?? '<anonymous>'}@src/${m[2].slice(src.length + 1)}`;
  }
  return undefined;
}

/** Pauses the main thread and passes the stack it was at to `done` (then lets it go on). */
function stackOfMainThread(/** @type {(stack: string) => void} */ done) {
  const session = new Session();
  session.connectToMainThread();
  session.once('Debugger.paused', (event) => {
    const frame = event.params.callFrames[0];
    session.post(
      'Debugger.evaluateOnCallFrame',
      { callFrameId: frame.callFrameId, expression: 'new Error("hang").stack' },
      (error, result) => {
        const stack = error === null ? String(result?.result?.value ?? '') : '';
        session.post('Debugger.resume', () => {
          session.post('Debugger.disable', () => session.disconnect());
        });
        done(stack);
      },
    );
  });
  session.post('Debugger.enable', () => session.post('Debugger.pause'));
}

setInterval(() => {
  if (running === undefined || probing) return;
  const test = running;
  const now = Date.now();
  const over = now - test.since >= timeoutMs;
  const sample = sites.length > 0 && now - test.sampled >= SAMPLE_MS;
  if (!over && !sample) return;
  test.sampled = now;
  probing = true;
  stackOfMainThread((stack) => {
    probing = false;
    const site = siteOf(stack);
    const same = site !== undefined && sites.includes(site);
    if (!over && !same) return;
    appendFileSync(log, `hang ${test.id} ${JSON.stringify({ stack, site, same })}\n`);
  });
}, 250).unref();
