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
let generation = 0;

function send(request: Request): Reply {
  const id = nextId++;
  scope.onmessage!({ data: { ...request, id } });
  const reply = posted.find((m) => m.kind === 'reply' && m.reply.id === id);
  if (reply?.kind !== 'reply') throw new Error(`no reply to ${request.kind}`);
  return reply.reply;
}

function boot(guest: string): Reply {
  return send({ kind: 'boot', guest, generation: ++generation });
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
    const state = value<GuestState>(boot('hello'));
    expect(state).toMatchObject({ status: 'booted', instructions: 0, domain: 'running' });
  });

  it('does not run past a pause that arrives before its first slice', async () => {
    boot('hello');
    expect(value<GuestState>(send({ kind: 'run' })).status).toBe('running');
    expect(value<GuestState>(send({ kind: 'pause' })).status).toBe('paused');
    await settle();
    expect(lastState()).toMatchObject({ status: 'paused', instructions: 0 });
  });

  it('steps, then runs to the end, streaming output, trace and state', async () => {
    boot('hello');
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

  it('stops a run at a breakpoint on a label, and a step at the next event', async () => {
    boot('hello');
    const main = value<number>(send({ kind: 'locate', where: 'main' }));
    expect(send({ kind: 'locate', where: 'no_such_label' })).toMatchObject({ ok: false });
    send({ kind: 'run', stop: { addresses: [main] } });
    await settle();
    expect(lastState()).toMatchObject({ status: 'paused', eip: main });
    expect(lastState()!.stopped).toBe(`breakpoint at ${main.toString(16).padStart(8, '0')}`);
    expect(lastState()!.source).toMatchObject({ file: 'hello.asm' });
    const event = value<GuestState>(send({ kind: 'step', count: 100_000, stop: { event: true } }));
    expect(event.stopped).toMatch(/^after d1v0 console_io\(cmd=CONSOLEIO_write/);
    expect(event.instructions).toBeGreaterThan(lastState()!.instructions - 1);
  });

  it('runs slowly enough to pause', async () => {
    boot('hello');
    send({ kind: 'run', pace: 'slow' });
    await settle();
    const paused = value<GuestState>(send({ kind: 'pause' }));
    expect(paused.status).toBe('paused');
    expect(paused.instructions).toBeGreaterThan(0);
    expect(paused.instructions).toBeLessThan(200);
  });

  it('stamps every event with its boot, and a new boot stops the old run', async () => {
    boot('count');
    send({ kind: 'run' });
    posted.length = 0;
    boot('hello');
    await settle();
    const events = posted.flatMap((m) => (m.kind === 'reply' ? [] : [m]));
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((m) => m.generation === generation)).toBe(true);
    // The old run's slices stopped with its boot: the new guest is still at its entry.
    expect(lastState()).toMatchObject({ status: 'booted', instructions: 0 });
    expect(value<GuestState>(send({ kind: 'step', count: 1 })).instructions).toBe(1);
  });

  it('answers inspectors by name and refuses unknown ones and unknown guests', () => {
    boot('hello');
    const regs = value<{ cpl: number }>(send({ kind: 'inspect', name: 'registers', args: {} }));
    expect(regs.cpl).toBe(1);
    const unknown = send({ kind: 'inspect', name: 'no-such', args: {} });
    expect(unknown).toMatchObject({ ok: false, error: 'Error: no inspector "no-such"' });
    const nobody = boot('nobody');
    expect(nobody.ok).toBe(false);
    expect(nobody.ok ? '' : nobody.error).toMatch(/^UnknownGuestError: no guest "nobody"/);
  });
});
