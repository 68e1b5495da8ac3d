// The messages the runner's child process sends its parent over the IPC channel, one per event.

import type { ErrorInfo } from './messages.ts';

/** What the parent asks the child to run. */
export interface ChildRequest {
  repoRoot: string;
  src: string;
  testDirs: string[];
  files: string[];
  /** Per file: vitest task ids to run (all of the file when absent). */
  only?: Record<string, string[]>;
  filter?: string;
  testTimeoutMs: number;
  /** A folder where vitest keeps the tests' and the tree's transformed modules between runs. */
  moduleCache?: string;
}

export interface CollectedTest {
  /** vitest's task id: stable for a file and test name. */
  taskId: string;
  file: string;
  /** Suite names from the top-level describe down, then the test's own name. */
  path: string[];
}

export type ChildMessage =
  | { type: 'collected'; file: string; tests: CollectedTest[]; errors: ErrorInfo[] }
  | {
      type: 'result';
      taskId: string;
      status: 'passed' | 'failed' | 'skipped';
      errors: ErrorInfo[];
      durationMs: number;
    }
  | { type: 'done'; unhandled: ErrorInfo[] };
