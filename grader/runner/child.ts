// The runner's child process: runs vitest on the chapter tests with the graded tree mounted, and
// streams every collected test and result to the parent (index.ts), which keeps the watchdog.

import { fileURLToPath } from 'node:url';
import type { SerializedError } from '@vitest/utils';
import { createVitest, type Reporter, type TestCase, type TestModule } from 'vitest/node';
import type { ErrorInfo } from './messages.ts';
import { mountPlugin } from './mount.ts';
import type { ChildMessage, ChildRequest } from './protocol.ts';

function send(message: ChildMessage): void {
  process.send?.(message);
}

function errorInfo(e: SerializedError & { diff?: string }): ErrorInfo {
  return {
    name: e.name,
    message: String(e.message ?? ''),
    diff: typeof e.diff === 'string' ? e.diff : undefined,
    stack: e.stack,
    stacks: e.stacks?.map((s) => ({
      file: s.file,
      line: s.line,
      column: s.column,
      method: s.method,
    })),
    exercise: e.exercise,
    section: e.section,
  };
}

function testPath(test: TestCase): string[] {
  const path = [test.name];
  for (let p = test.parent; p.type === 'suite'; p = p.parent) path.unshift(p.name);
  return path;
}

const reporter: Reporter = {
  onTestModuleCollected(module: TestModule) {
    const tests = [...module.children.allTests()].map((t) => ({
      taskId: t.id,
      file: module.moduleId,
      path: testPath(t),
    }));
    send({
      type: 'collected',
      file: module.moduleId,
      tests,
      errors: module.errors().map(errorInfo),
    });
  },
  onTestCaseResult(test: TestCase) {
    const result = test.result();
    const status =
      result.state === 'passed' || result.state === 'failed' ? result.state : 'skipped';
    send({
      type: 'result',
      taskId: test.id,
      status,
      errors: (result.errors ?? []).map(errorInfo),
      durationMs: Math.round(test.diagnostic()?.duration ?? 0),
    });
  },
  onTestModuleEnd(module: TestModule) {
    // A module that failed to load reports no tests: say so once it ends.
    if (module.children.size === 0 && module.errors().length > 0) {
      send({
        type: 'collected',
        file: module.moduleId,
        tests: [],
        errors: module.errors().map(errorInfo),
      });
    }
  },
  onTestRunEnd(_modules, unhandled) {
    send({ type: 'done', unhandled: unhandled.map(errorInfo) });
  },
};

async function main(request: ChildRequest): Promise<void> {
  const vitest = await createVitest(
    'test',
    {
      config: false,
      root: request.repoRoot,
      watch: false,
      // Nothing of a graded run is kept: no results cache in node_modules.
      cache: false,
      reporters: [reporter],
      testTimeout: request.testTimeoutMs,
      hookTimeout: request.testTimeoutMs,
      // vitest joins a test's names with spaces; the runner's ids join them with ' › '.
      testNamePattern:
        request.filter === undefined
          ? undefined
          : escapeRegExp(request.filter.split(' › ').join(' ')),
      // A failure is shown whole: no object or diff cut short.
      chaiConfig: { truncateThreshold: 0 },
      diff: { truncateThreshold: 0 },
      pool: 'forks',
      isolate: false,
      setupFiles: [fileURLToPath(new URL('./setup.ts', import.meta.url))],
      passWithNoTests: true,
      experimental:
        request.moduleCache === undefined
          ? {}
          : { fsModuleCache: true, fsModuleCachePath: request.moduleCache },
    },
    { plugins: [mountPlugin(request)], server: { fs: { strict: false } } },
  );
  const project = vitest.getRootProject();
  const specs = request.files.map((file) => {
    const only = request.only?.[file];
    return project.createSpecification(file, only === undefined ? undefined : { testIds: only });
  });
  await vitest.runTestSpecifications(specs, true);
  await vitest.close();
}

function escapeRegExp(text: string): RegExp {
  return new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
}

process.once('message', (request: ChildRequest) => {
  main(request).then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
      process.exit(3);
    },
  );
});
