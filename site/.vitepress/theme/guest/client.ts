// The page's side of the guest worker: one worker per <GuestConsole>, requests as promises,
// worker events to a listener. Events of an earlier boot (output still on its way when Reset
// was pressed) are dropped by their generation. A worker that fails to load rejects every
// request with the reason. Browser-only: create it in onMounted, never during SSR.

import type { InspectArgs } from './inspectors.ts';
import type {
  BenchResult,
  FromWorker,
  GuestState,
  Pace,
  Request,
  RequestMessage,
  StopAt,
  WorkerEvent,
} from './protocol.ts';

export class GuestWorker {
  private readonly worker: Worker;
  private nextId = 1;
  /** The current boot's number: events of other boots are late and dropped. */
  private generation = 0;
  /** Why the worker cannot answer (its script failed to load, say), once it is known. */
  private failure: Error | null = null;
  private readonly waiting = new Map<
    number,
    { resolve(value: unknown): void; reject(error: Error): void }
  >();

  /**
   * The worker of chapter `chapter`'s pages (`workers/NN.js`, site/.vitepress/workers.ts): the
   * hypervisor with what a reader of that chapter may have, nothing of a later chapter.
   */
  constructor(chapter: string, onEvent: (event: WorkerEvent) => void) {
    this.worker = new Worker(`${import.meta.env.BASE_URL}workers/${chapter}.js`, {
      type: 'module',
    });
    this.worker.onmessage = (e: MessageEvent<FromWorker>) => {
      const message = e.data;
      if (message.kind !== 'reply') {
        if (message.generation === this.generation) onEvent(message);
        return;
      }
      const { reply } = message;
      const waiter = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (reply.ok) waiter?.resolve(reply.value);
      else waiter?.reject(new Error(reply.error));
    };
    this.worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      this.fail(new Error(`the guest worker failed: ${e.message || 'its script did not load'}`));
    };
  }

  private fail(error: Error): void {
    this.failure = error;
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
  }

  private request<T>(request: Request): Promise<T> {
    const id = this.nextId++;
    const message: RequestMessage = { ...request, id };
    return new Promise<T>((resolve, reject) => {
      if (this.failure !== null) {
        reject(this.failure);
        return;
      }
      this.waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.worker.postMessage(message);
    });
  }

  boot(guest: string): Promise<GuestState> {
    return this.request({ kind: 'boot', guest, generation: ++this.generation });
  }

  run(pace: Pace = 'full', stop: StopAt = {}): Promise<GuestState> {
    return this.request({ kind: 'run', pace, stop });
  }

  pause(): Promise<GuestState> {
    return this.request({ kind: 'pause' });
  }

  step(count = 1, stop: StopAt = {}): Promise<GuestState> {
    return this.request({ kind: 'step', count, stop });
  }

  locate(where: string): Promise<number> {
    return this.request({ kind: 'locate', where });
  }

  type(text: string): Promise<GuestState> {
    return this.request({ kind: 'type', text });
  }

  inspect<T>(name: string, args: InspectArgs = {}): Promise<T> {
    return this.request({ kind: 'inspect', name, args });
  }

  bench(outer: number): Promise<BenchResult> {
    return this.request({ kind: 'bench', outer });
  }

  terminate(): void {
    this.worker.terminate();
  }
}
