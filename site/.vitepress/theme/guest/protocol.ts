// The messages between a page and its guest worker (worker.ts). The page sends requests, each
// with an id, and gets exactly one reply per id; the worker also sends events on its own while
// a guest runs (terminal output, hypercall trace lines, state changes).

import type { InspectArgs } from './inspectors.ts';
import type { SourceLine } from './session.ts';

/** Where a run or a step stops early (a debugger's breakpoints and "step to next event"). */
export interface StopAt {
  /** Guest-linear addresses of vCPU 0's EIP (breakpoints, "run to"). */
  addresses?: number[];
  /** Stop after the next line of the trace: a hypercall, a bounced trap, a crash, a timer. */
  event?: boolean;
}

/** Full speed, or slowly enough to watch and pause (a few thousand instructions a second). */
export type Pace = 'full' | 'slow';

export type Request =
  /**
   * Assemble and boot `guest`, paused at its first instruction. Every event the worker sends
   * from then on carries `generation`, so the page can drop late output of an earlier run.
   */
  | { kind: 'boot'; guest: string; generation: number }
  /** Run until the guest ends, `pause` arrives, or a `stop` condition holds. */
  | { kind: 'run'; pace?: Pace; stop?: StopAt }
  | { kind: 'pause' }
  /** Execute `count` guest instructions (hypercalls and traps they cause included). */
  | { kind: 'step'; count: number; stop?: StopAt }
  /** A label of the guest's program (or a hex address) as an address. */
  | { kind: 'locate'; where: string }
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
  /** vCPU 0's EIP, and the source line of the instruction there (null outside the program). */
  eip: number;
  source: SourceLine | null;
  /** Why it last stopped: 'step 3', 'breakpoint 000020e6', the trace line it stopped after… */
  stopped: string;
}

export type WorkerEvent =
  /** For the terminal: console bytes and Xen's log lines, in order (session.ts). */
  (
    | { kind: 'output'; bytes: Uint8Array }
    | { kind: 'trace'; lines: string[] }
    | { kind: 'state'; state: GuestState }
  ) & { generation: number };

export type FromWorker = { kind: 'reply'; reply: Reply } | WorkerEvent;

export interface BenchResult {
  instructions: number;
  milliseconds: number;
  mips: number;
}
