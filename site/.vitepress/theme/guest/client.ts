// The page's side of the guest worker: one worker per <GuestConsole>, requests as promises,
// worker events to a listener. Browser-only: create it in onMounted, never during SSR.

import type { InspectArgs } from './inspectors.ts';
import type {
  BenchResult,
  FromWorker,
  GuestState,
  Request,
  RequestMessage,
  WorkerEvent,
} from './protocol.ts';

export class GuestWorker {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly waiting = new Map<
    number,
    { resolve(value: unknown): void; reject(error: Error): void }
  >();

  constructor(onEvent: (event: WorkerEvent) => void) {
    this.worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
    this.worker.onmessage = (e: MessageEvent<FromWorker>) => {
      const message = e.data;
      if (message.kind !== 'reply') {
        onEvent(message);
        return;
      }
      const { reply } = message;
      const waiter = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (reply.ok) waiter?.resolve(reply.value);
      else waiter?.reject(new Error(reply.error));
    };
  }

  private request<T>(request: Request): Promise<T> {
    const id = this.nextId++;
    const message: RequestMessage = { ...request, id };
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.worker.postMessage(message);
    });
  }

  boot(guest: string): Promise<GuestState> {
    return this.request({ kind: 'boot', guest });
  }

  run(): Promise<GuestState> {
    return this.request({ kind: 'run' });
  }

  pause(): Promise<GuestState> {
    return this.request({ kind: 'pause' });
  }

  step(count = 1): Promise<GuestState> {
    return this.request({ kind: 'step', count });
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
