import { beforeAll, describe, expect, it } from 'vitest';
import type {
  FromWorker,
  GuestState,
  Reply,
  Request,
  RequestMessage,
} from './.vitepress/theme/guest/protocol.ts';

// The guest worker's protocol (site/.vitepress/theme/guest/worker.ts), run in Node: the worker
// module is loaded with a stand-in for its global scope, and requests are delivered to its
// onmessage as the browser would. Its guest sources come from Vite's import.meta.glob, as in
// the site's bundle.

const posted: FromWorker[] = [];
const scope = { postMessage: (m: FromWorker) => posted.push(m) } as {
  postMessage(m: FromWorker): void;
  onmessage?: (e: { data: RequestMessage }) => void;
};
let nextId = 1;

function send(request: Request): Reply {
  const id = nextId++;
  scope.onmessage!({ data: { ...request, id } });
  const reply = posted.find((m) => m.kind === 'reply' && m.reply.id === id);
  if (reply?.kind !== 'reply') throw new Error(`no reply to ${request.kind}`);
  return reply.reply;
}

function value<T>(reply: Reply): T {
  if (!reply.ok) throw new Error(reply.error);
  return reply.value as T;
}

/** Lets the worker's timers run (its run loop yields with setTimeout between slices). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

function lastState(): GuestState | undefined {
  const states = posted.flatMap((m) => (m.kind === 'state' ? [m.state] : []));
  return states.at(-1);
}

beforeAll(async () => {
  (globalThis as { self?: unknown }).self = scope;
  await import('./.vitepress/theme/guest/worker.ts');
});

describe('the guest worker', () => {
  it('boots a guest paused at its first instruction', () => {
    const state = value<GuestState>(send({ kind: 'boot', guest: 'hello' }));
    expect(state).toMatchObject({ status: 'booted', instructions: 0, domain: 'running' });
  });

  it('does not run past a pause that arrives before its first slice', async () => {
    send({ kind: 'boot', guest: 'hello' });
    expect(value<GuestState>(send({ kind: 'run' })).status).toBe('running');
    expect(value<GuestState>(send({ kind: 'pause' })).status).toBe('paused');
    await settle();
    expect(lastState()).toMatchObject({ status: 'paused', instructions: 0 });
  });

  it('steps, then runs to the end, streaming output, trace and state', async () => {
    send({ kind: 'boot', guest: 'hello' });
    posted.length = 0;
    expect(value<GuestState>(send({ kind: 'step', count: 3 })).instructions).toBe(3);
    send({ kind: 'run' });
    await settle();
    expect(lastState()).toMatchObject({ status: 'ended', domain: 'shutdown', outcome: 'poweroff' });
    const output = posted.flatMap((m) => (m.kind === 'output' ? [...m.bytes] : []));
    expect(new TextDecoder().decode(Uint8Array.from(output))).toContain(
      'Hello from a PV guest on xenlab!',
    );
    const trace = posted.flatMap((m) => (m.kind === 'trace' ? m.lines : []));
    expect(trace.some((l) => l.includes('console_io(cmd=CONSOLEIO_write'))).toBe(true);
    // An ended guest does not run again.
    expect(value<GuestState>(send({ kind: 'run' })).status).toBe('ended');
  });

  it('answers inspectors by name and refuses unknown ones and unknown guests', () => {
    send({ kind: 'boot', guest: 'hello' });
    const regs = value<{ cpl: number }>(send({ kind: 'inspect', name: 'registers', args: {} }));
    expect(regs.cpl).toBe(1);
    const unknown = send({ kind: 'inspect', name: 'no-such', args: {} });
    expect(unknown).toMatchObject({ ok: false, error: 'Error: no inspector "no-such"' });
    const nobody = send({ kind: 'boot', guest: 'nobody' });
    expect(nobody.ok).toBe(false);
    expect(nobody.ok ? '' : nobody.error).toMatch(/^UnknownGuestError: no guest "nobody"/);
  });
});
