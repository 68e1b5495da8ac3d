// A thread beside a test worker's main thread (started by setup.ts): when a test runs past its
// time, it pauses the main thread through the inspector, which works even inside a synchronous
// infinite loop, and notes the stack there in the runner's log (`hang TASK {"stack": …}`), so the
// failure can say where the code was looping. Given the places earlier tests hung
// ($XENLAB_HANG_SITES), it also looks every second at a test running over a second, and stops
// it as soon as it loops in one of them. It also asks the paused thread for the guest's last
// instruction (guest-at.ts), found among the frames' variables. Plain JavaScript: a worker thread
// loads no TypeScript.

import { appendFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { parentPort, workerData } from 'node:worker_threads';

/** @type {{ log: string; timeoutMs: number; src: string; sites: string[] }} */
const { log, timeoutMs, src, sites } = workerData;
const SAMPLE_MS = 1000;
/** How deep the probe looks for a vCPU among the paused stack's frames. */
const MAX_FRAMES = 40;

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

/** `session.post` as a promise. */
function post(/** @type {Session} */ session, /** @type {string} */ method, params = {}) {
  return new Promise((resolve, reject) => {
    session.post(method, params, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

/** A frame's local variables (and `this`) as expressions, each safe in its temporal dead zone. */
async function localsOf(/** @type {Session} */ session, /** @type {any} */ frame) {
  const names = ['this'];
  for (const scope of frame.scopeChain) {
    if (scope.type !== 'local' && scope.type !== 'block') continue;
    const { result } = await post(session, 'Runtime.getProperties', {
      objectId: scope.object.objectId,
      ownProperties: true,
    });
    for (const p of result) if (/^[A-Za-z_$][\w$]*$/.test(p.name)) names.push(p.name);
  }
  return names.map((n) => `(() => { try { return ${n}; } catch { return undefined; } })()`);
}

/**
 * The guest's last instruction (guest-at.ts, through setup.ts's `xenlabGuestAt`): asked of
 * each frame's variables from the top of the stack down, until one holds a vCPU that ran.
 */
async function guestOf(/** @type {Session} */ session, /** @type {any[]} */ frames) {
  for (const frame of frames.slice(0, MAX_FRAMES)) {
    const locals = await localsOf(session, frame);
    const { result } = await post(session, 'Debugger.evaluateOnCallFrame', {
      callFrameId: frame.callFrameId,
      expression: `globalThis.xenlabGuestAt?.([${locals.join(', ')}])`,
      returnByValue: true,
    });
    if (typeof result?.value === 'string') return result.value;
  }
  return undefined;
}

/**
 * Pauses the main thread, looks at where it is (`look`, given the stack as text and the call
 * frames), then lets it go on; `look`'s answer goes to `done`.
 */
function probeMainThread(
  /** @type {(session: Session, stack: string, frames: any[]) => Promise<unknown>} */ look,
  /** @type {(found: unknown) => void} */ done,
) {
  const session = new Session();
  session.connectToMainThread();
  session.once('Debugger.paused', async (event) => {
    const frames = event.params.callFrames;
    let found;
    try {
      const { result } = await post(session, 'Debugger.evaluateOnCallFrame', {
        callFrameId: frames[0].callFrameId,
        expression: 'new Error("hang").stack',
      });
      found = await look(session, String(result?.value ?? ''), frames);
    } catch {
      found = await look(session, '', []);
    }
    session.post('Debugger.resume', () => {
      session.post('Debugger.disable', () => session.disconnect());
    });
    done(found);
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
  probeMainThread(
    async (session, stack, frames) => {
      const site = siteOf(stack);
      const same = site !== undefined && sites.includes(site);
      if (!over && !same) return undefined;
      const guest = await guestOf(session, frames).catch(() => undefined);
      return { stack, site, same, guest };
    },
    (found) => {
      probing = false;
      if (found !== undefined) appendFileSync(log, `hang ${test.id} ${JSON.stringify(found)}\n`);
    },
  );
}, 250).unref();
