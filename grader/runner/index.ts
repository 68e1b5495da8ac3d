// The test runner every grading command uses (docs/architecture.md §8): runs the chapter tests from
// the grader's pristine test folders against a source tree mounted at chapters/*/src, in a child
// process under a watchdog, so a learner's infinite loop, stack overflow or crash ends as a clear
// failure and never as a hang. Results stream back as each test finishes.

import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHAPTERS } from '../../chapters/index.ts';
import { REPO_ROOT } from '../cache.ts';
import { type ErrorInfo, failureMessage, frameInSrc, stripAnsi } from './messages.ts';
import { isInside } from './mount.ts';
import type { ChildMessage, ChildRequest } from './protocol.ts';

export interface TestResult {
  /** Stable: '<chapter-folder>/<file>::<full test name>'. */
  id: string;
  /** The top-level describe name, e.g. '02-start-info'. */
  exercise: string;
  /** The test's own name (nested describes joined with ' › '). */
  name: string;
  /** Path of the test file, relative to the repo root or the pack folder. */
  file: string;
  status: 'passed' | 'failed';
  /** '' when passed; otherwise the teaching message. */
  message: string;
  durationMs: number;
}

export interface RunTestsOptions {
  /** The source tree mounted at every chapters/*\/src (absolute). */
  src: string;
  /** Folders of *.test.ts, e.g. chapters/02-architecture/tests or a hidden pack's NN-slug/tests. */
  testDirs: string[];
  /** Exported to the tests as XENLAB_SEED. */
  seed: number;
  /** Only tests whose full name (names joined by " › " or by spaces) contains this. */
  filter?: string;
  /** Backstop watchdog for the whole run (default 10 minutes). */
  wallClockLimitMs?: number;
  /** How long one test may run before it counts as hung (default 60 s). */
  testTimeoutMs?: number;
  /** Called as each test finishes (streamed). */
  onResult?: (r: TestResult) => void;
  onProgress?: (done: number, total: number) => void;
  /**
   * A folder where vitest keeps transformed modules (the tests, the tree, sim/) between runs, so a
   * warm run transforms only what changed: for a tree graded again and again, not for trees graded
   * once (each would add its own copy).
   */
  moduleCache?: string;
}

export interface RunTestsOutcome {
  results: TestResult[];
  /** Set when the run itself broke. */
  error?: string;
}

const DEFAULT_WALL_CLOCK_MS = 10 * 60_000;
const DEFAULT_TEST_TIMEOUT_MS = 60_000;
/** Beyond vitest's own timeout (which catches async hangs), a synchronous loop is ours to end. */
const WATCHDOG_GRACE_MS = 5_000;
const CHILD = fileURLToPath(new URL('./child-entry.mjs', import.meta.url));

/** An exercise id: a chapter id of chapters/index.ts, a dash, kebab-case. */
export function isExerciseId(name: string): boolean {
  const m = /^([0-9]{2}|[A-Z])-[a-z0-9]+(?:-[a-z0-9]+)*$/.exec(name);
  return m !== null && CHAPTERS.some((c) => c.id === m[1]);
}

/** Every *.test.ts under `dir`, sorted, absolute. */
export function testFilesUnder(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...testFilesUnder(path));
    else if (entry.name.endsWith('.test.ts')) files.push(path);
  }
  return files.sort();
}

interface Known {
  testDir: string;
  file: string;
  path: string[];
  /** Its place in the file, in declaration order. */
  index?: number;
}

/** The result's identity fields for a test at `path` in `file`. */
function identify(known: Known): Omit<TestResult, 'status' | 'message' | 'durationMs'> {
  // A test outside any describe has no exercise.
  const [top, ...rest] = known.path.length > 1 ? known.path : ['', ...known.path];
  const chapterFolder = basename(dirname(known.testDir));
  const inFolder = relative(known.testDir, known.file).split('\\').join('/');
  const base = isInside(REPO_ROOT, known.file) ? REPO_ROOT : dirname(dirname(known.testDir));
  return {
    id: `${chapterFolder}/${inFolder}::${known.path.join(' › ')}`,
    exercise: top!,
    name: rest.join(' › '),
    file: relative(base, known.file).split('\\').join('/'),
  };
}

/**
 * Test names a file declares, read from its text: used only when the file fails to load, so
 * each of its tests still shows up (failed, with the load error).
 */
export function declaredTests(source: string): string[][] {
  const tests: string[][] = [];
  const stack: { name: string; depth: number }[] = [];
  let depth = 0;
  const token = /\b(describe|test|it)(?:\.\w+)*\(\s*(['"`])((?:\\.|(?!\2).)*)\2|[{}]/g;
  for (let m = token.exec(source); m !== null; m = token.exec(source)) {
    if (m[0] === '{') depth++;
    else if (m[0] === '}') {
      depth--;
      while (stack.length > 0 && stack[stack.length - 1]!.depth > depth) stack.pop();
    } else if (m[1] === 'describe') stack.push({ name: m[3]!, depth: depth + 1 });
    else tests.push([...stack.map((s) => s.name), m[3]!]);
  }
  return tests;
}

/** Runs the tests of `testDirs` against `src`; never hangs, never throws for a learner's bug. */
export async function runTests(opts: RunTestsOptions): Promise<RunTestsOutcome> {
  const src = resolve(opts.src);
  const testDirs = opts.testDirs.map((d) => resolve(d));
  const testTimeoutMs = opts.testTimeoutMs ?? DEFAULT_TEST_TIMEOUT_MS;
  const deadline = Date.now() + (opts.wallClockLimitMs ?? DEFAULT_WALL_CLOCK_MS);
  const run = new TestRun(opts, src, testDirs);
  // One child at a time; after a hang the child is killed and the unfinished tests run again in
  // a fresh one, without the test that hung, told where it hung (a test looping there stops early).
  let pending: Record<string, string[]> | undefined;
  let todo = run.fileOrder;
  let settled = -1;
  while (todo.length > 0) {
    const end = await runChild({
      request: {
        repoRoot: REPO_ROOT,
        src,
        testDirs,
        files: todo,
        only: pending,
        filter: opts.filter,
        testTimeoutMs,
        moduleCache: opts.moduleCache,
      },
      seed: opts.seed,
      deadline,
      testTimeoutMs,
      hangSites: run.hangSiteList(),
      fileOf: (taskId) => run.fileOf(taskId),
      onMessage: (message) => run.onMessage(message),
    });
    if (!run.settle(end)) break;
    // Run again what has not reported yet, file by file (each round settles at least one test).
    if (run.settledCount === settled) break;
    settled = run.settledCount;
    ({ pending, todo } = run.rest());
  }
  return run.outcome();
}

/** One call of runTests: the tests known so far, their results, and what the children said. */
class TestRun {
  /** Test file → its test folder. */
  private readonly files = new Map<string, string>();
  readonly fileOrder: string[];
  /** By TestResult.id. */
  private readonly results = new Map<string, TestResult>();
  private readonly sortKey = new Map<string, number>();
  /** Vitest task id → where the test is. */
  private readonly known = new Map<string, Known>();
  /** Files whose tests are known. */
  private readonly collected = new Set<string>();
  private readonly errors: string[] = [];
  private total = 0;
  /** `function@src/FILE` → the test that hung there. */
  private readonly hangSites = new Map<string, string>();

  constructor(
    private readonly opts: RunTestsOptions,
    private readonly src: string,
    testDirs: string[],
  ) {
    for (const dir of testDirs) for (const f of testFilesUnder(dir)) this.files.set(f, dir);
    this.fileOrder = [...this.files.keys()];
  }

  get settledCount(): number {
    return this.results.size;
  }

  /** Where earlier tests hung: a test looping there in a fresh child is stopped early. */
  hangSiteList(): string[] {
    return [...this.hangSites.keys()];
  }

  fileOf(taskId: string): string | undefined {
    return this.known.get(taskId)?.file;
  }

  private reported(known: Known): boolean {
    return this.results.has(identify(known).id);
  }

  private report(known: Known, status: 'passed' | 'failed', message: string, ms: number): void {
    const r: TestResult = { ...identify(known), status, message, durationMs: ms };
    if (this.results.has(r.id)) return;
    this.sortKey.set(r.id, this.fileOrder.indexOf(known.file) * 100_000 + (known.index ?? 0));
    if (status === 'passed' && !isExerciseId(r.exercise)) {
      r.status = 'failed';
      r.message =
        `this test is not inside a top-level describe named by an exercise id ` +
        `(found ${r.exercise === '' ? 'no describe' : `'${r.exercise}'`}); it cannot be graded`;
    }
    this.results.set(r.id, r);
    this.opts.onResult?.(r);
    this.opts.onProgress?.(this.results.size, Math.max(this.total, this.results.size));
  }

  onMessage(message: ChildMessage): void {
    if (message.type === 'collected') this.onCollected(message);
    else if (message.type === 'result') {
      const where = this.known.get(message.taskId);
      if (where === undefined || this.reported(where)) return;
      if (message.status === 'skipped') {
        // Left out by the filter (or skipped by the test itself): not part of this run.
        this.known.delete(message.taskId);
        this.total--;
        return;
      }
      const exercise = identify(where).exercise;
      const text =
        message.status === 'passed' ? '' : failureMessage(message.errors, this.src, exercise);
      this.report(where, message.status, text, message.durationMs);
    } else if (message.type === 'done') {
      for (const e of message.unhandled) this.errors.push(unhandledText(e, this.src));
    }
  }

  /** A file's tests are known; one that did not load reports each test it declares, failed. */
  private onCollected(message: Extract<ChildMessage, { type: 'collected' }>): void {
    if (this.collected.has(message.file) && message.tests.length === 0) return;
    const testDir = this.files.get(message.file) ?? dirname(message.file);
    if (!this.collected.has(message.file)) {
      this.collected.add(message.file);
      if (message.errors.length > 0 && message.tests.length === 0) {
        const why = `the test file did not load:\n\n${failureMessage(message.errors, this.src)}`;
        const declared = declaredTests(readFileSync(message.file, 'utf8'));
        this.total += Math.max(declared.length, 1);
        if (declared.length === 0) declared.push([`(${basename(message.file)})`]);
        for (const [index, path] of declared.entries()) {
          this.report({ testDir, file: message.file, path, index }, 'failed', why, 0);
        }
        return;
      }
      this.total += message.tests.length;
    }
    for (const [index, t] of message.tests.entries()) {
      this.known.set(t.taskId, { testDir, file: t.file, path: t.path, index });
    }
  }

  private failAll(ids: readonly string[], why: string, ms: number): void {
    for (const id of ids) {
      const where = this.known.get(id);
      if (where !== undefined) this.report(where, 'failed', why, ms);
    }
  }

  /** What a child's end means for its tests; false when no other child should run. */
  settle(end: ChildEnd): boolean {
    if (end.kind === 'finished') {
      // A test whose worker died under it (process.kill, out of memory) started and never ended;
      // the tests after it in its file never ran: they run again in a fresh child.
      const died = end.stuck.filter((id) => {
        const where = this.known.get(id);
        return where !== undefined && !this.reported(where);
      });
      if (died.length === 0) return false;
      this.failAll(
        died,
        'did not finish: its test process died while it ran (a crash in your code?)',
        0,
      );
      return true;
    }
    if (end.kind === 'hung') {
      const why = hangMessage(end, this.src, this.hangSites);
      this.failAll(end.stuck, why, end.ms);
      const first = end.stuck.map((id) => this.known.get(id)).find((k) => k !== undefined);
      if (end.probe?.site !== undefined && !end.probe.same && first !== undefined)
        this.hangSites.set(end.probe.site, identify(first).name);
      const inHook = `${why} (it hung outside any test: in a beforeAll or afterAll hook?)`;
      const inFiles = [...this.known].filter(([, k]) => end.stuckFiles.includes(k.file));
      this.failAll(
        inFiles.map(([id]) => id),
        inHook,
        end.ms,
      );
      return true;
    }
    const why =
      end.kind === 'deadline'
        ? 'did not finish: the whole run took longer than its limit'
        : `did not finish: the test process ended unexpectedly (${end.detail})`;
    this.failAll([...this.known.keys()], why, 0);
    this.errors.push(
      end.kind === 'deadline'
        ? 'the run exceeded its wall-clock limit'
        : `the test process ended unexpectedly: ${end.detail}`,
    );
    return false;
  }

  /** The tests still to run, by file, and the files a fresh child must load. */
  rest(): { pending: Record<string, string[]>; todo: string[] } {
    const pending: Record<string, string[]> = {};
    for (const [taskId, k] of this.known) {
      if (!this.reported(k)) pending[k.file] = [...(pending[k.file] ?? []), taskId];
    }
    const todo = this.fileOrder.filter((f) => pending[f] !== undefined || !this.collected.has(f));
    return { pending, todo };
  }

  /** Every test known, in a stable order (by test file, then as declared); unfinished ones failed. */
  outcome(): RunTestsOutcome {
    for (const k of this.known.values()) {
      if (!this.reported(k)) {
        this.report(k, 'failed', 'did not finish: the test never reported a result', 0);
      }
    }
    const list = [...this.results.values()].sort(
      (a, b) => this.sortKey.get(a.id)! - this.sortKey.get(b.id)!,
    );
    return this.errors.length > 0
      ? { results: list, error: this.errors.join('\n') }
      : { results: list };
  }
}

function unhandledText(e: ErrorInfo, src: string): string {
  return `an error escaped the tests: ${stripAnsi(failureMessage([e], src))}`;
}

/** What the hang probe (hang-probe.mjs) saw in a test that ran past its time. */
interface Probe {
  stack: string;
  /** The first frame in the graded tree, `function@src/FILE`. */
  site?: string;
  /** Stopped early: it was looping where an earlier test hung. */
  same: boolean;
  /** The guest's last instruction, when a vCPU had run one (guest-at.ts). */
  guest?: string;
}

/** Why a hung test failed: for how long, and where it was looping when it was stopped. */
function hangMessage(
  end: { ms: number; probe?: Probe },
  src: string,
  sites: ReadonlyMap<string, string>,
): string {
  const seconds = Math.max(1, Math.round(end.ms / 1000));
  const probe = end.probe;
  const at = probe === undefined ? undefined : frameInSrc({ message: '', stack: probe.stack }, src);
  const fn = probe?.site?.split('@')[0];
  const where = at === undefined ? '' : ` in ${fn === '<anonymous>' ? 'code' : fn} at ${at}`;
  const guest =
    probe?.guest === undefined ? '' : ` The guest's last instruction was ${probe.guest}.`;
  if (probe?.same === true) {
    const other = sites.get(probe.site!) ?? 'an earlier test';
    return (
      `stopped after ${seconds} s: it was looping${where}, where "${other}" hung — ` +
      `the same infinite loop, most likely.${guest}`
    );
  }
  const loop = where === '' ? '' : ` It was${where} when it was stopped.`;
  return `did not finish within ${seconds} s: an infinite loop in your code?${loop}${guest}`;
}

type ChildEnd =
  /** `stuck`: tests that started and never ended (their worker died). */
  | { kind: 'finished'; stuck: string[] }
  | { kind: 'hung'; stuck: string[]; stuckFiles: string[]; ms: number; probe?: Probe }
  | { kind: 'deadline' }
  | { kind: 'crashed'; detail: string };

interface ChildRun {
  request: ChildRequest;
  seed: number;
  deadline: number;
  testTimeoutMs: number;
  /** Where earlier tests hung (`function@src/FILE`): a test looping there is stopped early. */
  hangSites: string[];
  /** The test file of a vitest task id, when known. */
  fileOf(taskId: string): string | undefined;
  onMessage(message: ChildMessage): void;
}

/** One vitest child process, watched: ends it when a test outlives its time or the run its limit. */
function runChild(run: ChildRun): Promise<ChildEnd> {
  return new Promise((resolveEnd) => {
    let stderr = '';
    let done = false;
    const logDir = mkdtempSync(join(tmpdir(), 'xenlab-run-'));
    const log = join(logDir, 'tests.log');
    const started = new Map<string, number>(); // task id → when the watchdog saw it start
    const filesRunning = new Map<string, number>(); // test file → when it last showed progress
    let logRead = 0;
    let probed: { taskId: string; probe: Probe } | undefined;
    /** Reads what the test workers noted since last time (setup.ts). */
    const readLog = () => {
      let text: string;
      try {
        text = readFileSync(log, 'utf8');
      } catch {
        return;
      }
      const end = text.lastIndexOf('\n') + 1;
      const now = Date.now();
      for (const line of text.slice(logRead, end).split('\n')) {
        const space = line.indexOf(' ');
        const what = line.slice(0, space);
        const id = line.slice(space + 1);
        if (what === 'hang') {
          const space = id.indexOf(' ');
          probed ??= { taskId: id.slice(0, space), probe: JSON.parse(id.slice(space + 1)) };
        } else if (what === 'start') started.set(id, now);
        else if (what === 'end') started.delete(id);
        else if (what === 'file-start') filesRunning.set(id, now);
        else if (what === 'file-end') filesRunning.delete(id);
        const file = what.startsWith('file') ? id : run.fileOf(id);
        if (file !== undefined && filesRunning.has(file)) filesRunning.set(file, now);
      }
      logRead = end;
    };
    const child: ChildProcess = fork(CHILD, [], {
      cwd: REPO_ROOT,
      // Plain Node: child-entry.mjs turns TypeScript support on once vitest is loaded.
      execArgv: [],
      // Its own process group, so the watchdog ends the vitest workers with it.
      detached: true,
      env: {
        ...process.env,
        XENLAB_SEED: String(run.seed),
        XENLAB_SRC: run.request.src,
        XENLAB_RUNNER_LOG: log,
        // The probe looks after vitest's own timeout (which ends an asynchronous wait), before
        // the watchdog's.
        XENLAB_HANG_AFTER_MS: String(run.testTimeoutMs + WATCHDOG_GRACE_MS / 2),
        XENLAB_HANG_SITES: JSON.stringify(run.hangSites),
        FORCE_COLOR: '0',
        NO_COLOR: '1',
      },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    let end: ChildEnd | undefined;
    const finish = (e: ChildEnd) => {
      if (end !== undefined) return;
      end = e;
      clearInterval(watchdog);
      killTree(child);
      rmSync(logDir, { recursive: true, force: true });
    };
    child.on('message', (message: ChildMessage) => {
      if (message.type === 'done') done = true;
      run.onMessage(message);
    });
    const watchdog = setInterval(() => {
      readLog();
      const now = Date.now();
      const limit = run.testTimeoutMs + WATCHDOG_GRACE_MS;
      const stuck = [...started].filter(([, t]) => now - t > limit).map(([id]) => id);
      // A file making no progress with no test running is stuck in a hook (beforeAll, say).
      const busy = new Set([...started.keys()].map(run.fileOf));
      const stuckFiles = [...filesRunning]
        .filter(([file, t]) => now - t > limit && !busy.has(file))
        .map(([file]) => file);
      if (probed !== undefined) {
        const since = started.get(probed.taskId) ?? now;
        const { taskId, probe } = probed;
        const ms = probe.same ? now - since : run.testTimeoutMs;
        finish({ kind: 'hung', stuck: [taskId], stuckFiles: [], ms, probe });
      } else if (stuck.length > 0 || stuckFiles.length > 0) {
        finish({ kind: 'hung', stuck, stuckFiles, ms: run.testTimeoutMs });
      } else if (now > run.deadline) finish({ kind: 'deadline' });
    }, 250);
    child.on('exit', (code, signal) => {
      if (end === undefined) {
        if (done && code === 0) {
          readLog();
          finish({ kind: 'finished', stuck: [...started.keys()] });
        } else {
          const detail = signal !== null ? `signal ${signal}` : `exit code ${code}`;
          const last = stripAnsi(stderr).trim().split('\n').slice(-8).join('\n');
          finish({ kind: 'crashed', detail: last === '' ? detail : `${detail}: ${last}` });
        }
      }
      resolveEnd(end!);
    });
    child.send(run.request);
  });
}

/** Ends the child and the vitest workers it forked: its whole process group. */
function killTree(child: ChildProcess): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}
