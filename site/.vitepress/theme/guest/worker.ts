// The guest worker: runs the real sim and hypervisor off the page's main thread for
// <GuestConsole>. It answers protocol.ts requests and streams the terminal's output (console
// bytes and the host's lines), trace lines and state changes. Guest sources are bundled as
// text, so nothing is fetched at run time.

import loopSource from '../../../../bench/loop.asm?raw';
import { INSPECTORS } from './inspectors.ts';
import { benchLoop } from './loop-bench.ts';
import type { FromWorker, GuestState, Request, RequestMessage, RunStatus } from './protocol.ts';
import { type GuestSession, startGuest } from './session.ts';

const GUEST_DIR = '../../../../solutions/guests/';
const sources: Record<string, string> = Object.fromEntries(
  Object.entries(
    import.meta.glob<string>('../../../../solutions/guests/**/*.{asm,inc}', {
      query: '?raw',
      import: 'default',
      eager: true,
    }),
  ).map(([path, text]) => [path.slice(GUEST_DIR.length), text]),
);

/** Instructions per slice of a run; between slices the worker reads its messages. */
const RUN_SLICE = 500_000;
/** Trace lines sent per slice at most (the page keeps about as many): older ones are counted. */
const TRACE_PER_SLICE = 1000;

let session: GuestSession | null = null;
let status: RunStatus = 'booted';
let pendingOutput: number[] = [];
let pendingTrace: string[] = [];

function post(message: FromWorker): void {
  self.postMessage(message);
}

function flush(): void {
  if (pendingOutput.length > 0) post({ kind: 'output', bytes: Uint8Array.from(pendingOutput) });
  const dropped = pendingTrace.length - TRACE_PER_SLICE;
  if (dropped > 0) {
    pendingTrace = [`… ${dropped} more lines not shown`, ...pendingTrace.slice(dropped)];
  }
  if (pendingTrace.length > 0) post({ kind: 'trace', lines: pendingTrace });
  pendingOutput = [];
  pendingTrace = [];
}

function current(): GuestSession {
  if (session === null) throw new Error('no guest booted');
  return session;
}

function state(): GuestState {
  const s = current();
  return { status, instructions: s.instructions, domain: s.state, outcome: s.outcome };
}

function publish(next: RunStatus): void {
  status = current().ended ? 'ended' : next;
  flush();
  post({ kind: 'state', state: state() });
}

/** Runs slices until the guest ends, idles, or a pause request is read between slices. */
function runSlice(): void {
  if (status !== 'running') return;
  if (!current().run(RUN_SLICE)) {
    publish('paused');
    return;
  }
  publish('running');
  // A macrotask, so that a queued `pause` message is handled before the next slice.
  setTimeout(runSlice, 0);
}

function handle(request: Request): unknown {
  switch (request.kind) {
    case 'boot':
      status = 'booted';
      session = startGuest(request.guest, sources, {
        output: (bytes) => pendingOutput.push(...bytes),
        trace: (line) => pendingTrace.push(line),
      });
      publish('booted');
      return state();
    case 'run':
      if (!current().ended && status !== 'running') {
        status = 'running';
        setTimeout(runSlice, 0);
      }
      return state();
    case 'pause':
      publish('paused');
      return state();
    case 'step':
      current().run(Math.max(1, request.count | 0));
      publish('paused');
      return state();
    case 'type':
      current().type(request.text);
      return state();
    case 'inspect': {
      const inspector = INSPECTORS[request.name];
      if (inspector === undefined) throw new Error(`no inspector "${request.name}"`);
      return inspector(current(), request.args);
    }
    case 'bench':
      return benchLoop(loopSource, request.outer);
  }
}

self.onmessage = (event: MessageEvent<RequestMessage>) => {
  const { id } = event.data;
  try {
    post({ kind: 'reply', reply: { id, ok: true, value: handle(event.data) } });
  } catch (e) {
    flush();
    const error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    post({ kind: 'reply', reply: { id, ok: false, error } });
  }
};
