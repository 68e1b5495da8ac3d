// The guest worker: runs the real sim and hypervisor off the page's main thread for
// <GuestConsole>. It answers protocol.ts requests and streams the terminal's output (console
// bytes and the host's lines), trace lines and state changes. Guest sources are bundled as
// text, so nothing is fetched at run time. The site publishes one build of it per chapter
// (site/.vitepress/workers.ts), each with the hypervisor a reader of that chapter may have.

import loopSource from '../../../../bench/loop.asm?raw';
import { GUEST_SOURCES as sources } from './guest-sources.ts';
import { hex } from './handle.ts';
import { INSPECTORS } from './inspectors.ts';
import { benchLoop } from './loop-bench.ts';
import type {
  FromWorker,
  GuestState,
  Pace,
  Request,
  RequestMessage,
  RunStatus,
  StopAt,
} from './protocol.ts';
import { type GuestSession, sourceAt, startGuest } from './session.ts';

/** Instructions per slice of a run; between slices the worker reads its messages. */
const RUN_SLICE = 100_000;
/** A slow run: this many instructions, then a pause of SLOW_DELAY ms (about 400 a second). */
const SLOW_SLICE = 20;
const SLOW_DELAY = 50;
/** Trace lines sent per slice at most (the page keeps about as many): older ones are counted. */
const TRACE_PER_SLICE = 1000;

let session: GuestSession | null = null;
/** The page's number for the current boot: every event carries it. */
let generation = 0;
let status: RunStatus = 'booted';
let pace: Pace = 'full';
let stopAt: StopAt = {};
/** Why the guest last stopped (GuestState.stopped). */
let stopped = '';
/** Trace lines since boot, and the last one. */
let traced = 0;
let lastTrace = '';
let pendingOutput: number[] = [];
let pendingTrace: string[] = [];

function post(message: FromWorker): void {
  self.postMessage(message);
}

function flush(): void {
  if (pendingOutput.length > 0) {
    post({ kind: 'output', bytes: Uint8Array.from(pendingOutput), generation });
  }
  const dropped = pendingTrace.length - TRACE_PER_SLICE;
  if (dropped > 0) {
    pendingTrace = [`… ${dropped} more lines not shown`, ...pendingTrace.slice(dropped)];
  }
  if (pendingTrace.length > 0) post({ kind: 'trace', lines: pendingTrace, generation });
  pendingOutput = [];
  pendingTrace = [];
}

function current(): GuestSession {
  if (session === null) throw new Error('no guest booted');
  return session;
}

function state(): GuestState {
  const s = current();
  const eip = s.cpu.eip >>> 0;
  return {
    status,
    instructions: s.instructions,
    domain: s.state,
    outcome: s.outcome,
    eip,
    source: sourceAt(s.debug, eip),
    stopped,
  };
}

function publish(next: RunStatus): void {
  status = current().ended ? 'ended' : next;
  flush();
  post({ kind: 'state', state: state(), generation });
}

/**
 * Runs up to `count` instructions; with a stop condition, one at a time, checking it after
 * each. Returns why it stopped early ('' when it did not).
 */
function advance(s: GuestSession, count: number, stop: StopAt): string {
  const addresses = new Set(stop.addresses ?? []);
  if (addresses.size === 0 && !stop.event) {
    return s.run(count) || s.ended ? '' : 'idle: nothing can run';
  }
  for (let i = 0; i < count; i++) {
    const before = traced;
    if (!s.run(1)) return s.ended ? '' : 'idle: nothing can run';
    if (stop.event && traced > before) return `after ${lastTrace}`;
    const eip = s.cpu.eip >>> 0;
    if (addresses.has(eip)) return `breakpoint at ${hex(eip)}`;
  }
  return '';
}

/** Runs slices until the guest ends, stops, or a pause request is read between slices. */
function runSlice(gen: number): void {
  if (gen !== generation || status !== 'running') return;
  const s = current();
  let why: string;
  try {
    why = advance(s, pace === 'slow' ? SLOW_SLICE : RUN_SLICE, stopAt);
  } catch (e) {
    // The host failed under the guest (an exercise not written yet on a chapter's page, say):
    // the run stops there and says why, as a step would in its reply.
    why = e instanceof Error ? e.message : String(e);
  }
  if (why !== '' || s.ended) {
    stopped = why;
    publish('paused');
    return;
  }
  publish('running');
  // A macrotask, so that a queued `pause` message is handled before the next slice.
  setTimeout(() => runSlice(gen), pace === 'slow' ? SLOW_DELAY : 0);
}

/** A label of the guest's program, or an address in hex (0x optional). */
function locate(where: string): number {
  const text = where.trim();
  const label = current().debug.symbols.get(text);
  if (label !== undefined) return label >>> 0;
  if (/^(0x)?[0-9a-f]{1,8}$/i.test(text)) return Number.parseInt(text.replace(/^0x/i, ''), 16);
  throw new Error(`no label "${text}" in ${current().name}, and not a hex address`);
}

function handle(request: Request): unknown {
  switch (request.kind) {
    case 'boot':
      generation = request.generation;
      status = 'booted';
      stopped = '';
      traced = 0;
      pendingOutput = [];
      pendingTrace = [];
      session = null;
      session = startGuest(request.guest, sources, {
        output: (bytes) => pendingOutput.push(...bytes),
        trace: (line) => {
          pendingTrace.push(line);
          traced++;
          lastTrace = line;
        },
      });
      publish('booted');
      return state();
    case 'run':
      if (!current().ended && status !== 'running') {
        status = 'running';
        pace = request.pace ?? 'full';
        stopAt = request.stop ?? {};
        stopped = '';
        const gen = generation;
        setTimeout(() => runSlice(gen), 0);
      }
      return state();
    case 'pause':
      if (status === 'running') stopped = 'paused';
      publish('paused');
      return state();
    case 'step': {
      const count = Math.max(1, request.count | 0);
      const why = advance(current(), count, request.stop ?? {});
      stopped = why !== '' ? why : `stepped ${count}`;
      publish('paused');
      return state();
    }
    case 'locate':
      return locate(request.where);
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
