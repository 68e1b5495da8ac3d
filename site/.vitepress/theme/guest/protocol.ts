// The messages between a page and its guest worker (worker.ts). The page sends requests, each
// with an id, and gets exactly one reply per id; the worker also sends events on its own while
// a guest runs (terminal output, hypercall trace lines, state changes).

import type { InspectArgs } from './inspectors.ts';

export type Request =
  /** Assemble and boot `guest`, paused at its first instruction. */
  | { kind: 'boot'; guest: string }
  /** Run until the guest ends or `pause` arrives. */
  | { kind: 'run' }
  | { kind: 'pause' }
  /** Execute `count` guest instructions (hypercalls and traps they cause included). */
  | { kind: 'step'; count: number }
  /** Keys typed at the console: Xen's console input, read by console_io(CONSOLEIO_read). */
  | { kind: 'type'; text: string }
  /** Ask the inspector `name` (inspectors.ts) about the current guest. */
  | { kind: 'inspect'; name: string; args: InspectArgs }
  /** Time the sim on bench/loop.asm (`outer` passes of 4096 × 8 instructions). */
  | { kind: 'bench'; outer: number };

export type RequestMessage = Request & { id: number };

export type Reply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: string };

export type RunStatus = 'booted' | 'running' | 'paused' | 'ended';

export interface GuestState {
  status: RunStatus;
  /** Guest instructions executed since boot. */
  instructions: number;
  /** The guest's state in its host's terms (a DomainState for a PV guest). */
  domain: string;
  /** Why it ended: the shutdown reason's name, or Xen's panic report. */
  outcome: string;
}

export type WorkerEvent =
  /** For the terminal: console bytes and Xen's log lines, in order (session.ts). */
  | { kind: 'output'; bytes: Uint8Array }
  | { kind: 'trace'; lines: string[] }
  | { kind: 'state'; state: GuestState };

export type FromWorker = { kind: 'reply'; reply: Reply } | WorkerEvent;

export interface BenchResult {
  instructions: number;
  milliseconds: number;
  mips: number;
}
