import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { REPO_ROOT } from '../cache.ts';
import { loadChapter } from '../chapters.ts';
import { fixtureChapter, TREES } from '../fixtures/grade.ts';
import { writeSnapshot } from '../starter.ts';
import { declaredTests, isExerciseId, runTests, type TestResult } from './index.ts';
import { createMount } from './mount.ts';

const fixtures = join(import.meta.dirname, 'fixtures');

describe('runTests on the fixture chapters', () => {
  test('reports every test, and ends although a test loops forever', async () => {
    const streamed: TestResult[] = [];
    const progress: number[] = [];
    const outcome = await runTests({
      src: join(fixtures, 'src'),
      testDirs: [
        join(fixtures, '01-virtualization/tests'),
        join(fixtures, '02-architecture/tests'),
      ],
      seed: 7,
      testTimeoutMs: 3000,
      onResult: (r) => streamed.push(r),
      onProgress: (done) => progress.push(done),
    });
    const byId = new Map(outcome.results.map((r) => [r.id, r]));
    const get = (id: string) => {
      const r = byId.get(id);
      if (r === undefined) throw new Error(`no result ${id}; got ${[...byId.keys()].join(', ')}`);
      return r;
    };
    expect(outcome.results).toHaveLength(14);
    expect(streamed.map((r) => r.id).sort()).toEqual(outcome.results.map((r) => r.id).sort());
    expect(progress.at(-1)).toBe(14);

    const passed = get('01-virtualization/basics.test.ts::01-add › adds');
    expect(passed).toMatchObject({
      exercise: '01-add',
      name: 'adds',
      file: 'grader/runner/fixtures/01-virtualization/tests/basics.test.ts',
      status: 'passed',
      message: '',
    });
    expect(
      get('01-virtualization/basics.test.ts::01-add › nested › seed is exported'),
    ).toMatchObject({ name: 'nested › seed is exported', status: 'passed' });

    const failed = get('01-virtualization/basics.test.ts::01-add › adds wrongly');
    expect(failed.status).toBe('failed');
    expect(failed.message).toContain('one and one make three here');
    expect(failed.message).toContain('- 3');
    expect(failed.message).toContain('+ 2');
    expect(failed.message).not.toContain('\u001b[');

    expect(get('01-virtualization/basics.test.ts::01-not-yet › calls a stub').message).toMatch(
      /^not implemented yet: exercise 01-not-yet \(book §1\.2\) — `npx xenlab hint 01-not-yet`\n\nat src\/math\.ts:9:/,
    );
    // A stub of another exercise is named as what the test needs first.
    expect(
      get('01-virtualization/basics.test.ts::01-add › needs another exercise').message,
    ).toMatch(
      /^needs 01-not-yet first: this test runs its code, which is not implemented yet \(book §1\.2\) — `npx xenlab hint 01-not-yet`/,
    );
    expect(get('01-virtualization/basics.test.ts::outside any describe')).toMatchObject({
      exercise: '',
      status: 'failed',
    });
    expect(get('01-virtualization/basics.test.ts::outside any describe').message).toContain(
      'not inside a top-level describe named by an exercise id',
    );

    // A hang says where the code was looping when it was stopped.
    expect(get('01-virtualization/loop.test.ts::01-loop › loops forever')).toMatchObject({
      status: 'failed',
    });
    expect(get('01-virtualization/loop.test.ts::01-loop › loops forever').message).toMatch(
      /^did not finish within 3 s: an infinite loop in your code\? It was in loopForever at src\/math\.ts:1[45]:\d+ when it was stopped\.$/,
    );
    // Another test looping in the same place stops within seconds, with the same diagnosis.
    const again = get('01-virtualization/loop.test.ts::01-loop › loops in the same place');
    expect(again.message).toMatch(
      /^stopped after \d s: it was looping in loopForever at src\/math\.ts:1[45]:\d+, where "loops forever" hung/,
    );
    expect(again.durationMs).toBeLessThan(3000);
    // The test after the one that hung still runs, in a fresh process.
    expect(get('01-virtualization/loop.test.ts::01-loop › runs after the loop').status).toBe(
      'passed',
    );

    const overflow = get('02-architecture/overflow.test.ts::02-overflow › overflows the stack');
    expect(overflow.status).toBe('failed');
    expect(overflow.message).toMatch(/^RangeError: Maximum call stack size exceeded/);
    expect(overflow.message).toContain('at src/math.ts:');

    // A hook that loops: the file's tests fail, saying where it hung.
    expect(get('02-architecture/hook.test.ts::02-hook › never starts').message).toMatch(
      /^did not finish within 3 s: an infinite loop in your code\? \(it hung outside any test/,
    );

    const broken = get('02-architecture/broken.test.ts::02-broken › never loads');
    expect(broken.status).toBe('failed');
    expect(broken.message).toMatch(/^the test file did not load:/);
    expect(broken.message).toContain("Cannot find module 'src/missing.ts'");
    // A test that kills its own process fails; the tests after it still run.
    expect(get('02-architecture/kill.test.ts::02-kill › kills its worker').message).toBe(
      'did not finish: its test process died while it ran (a crash in your code?)',
    );
    expect(get('02-architecture/kill.test.ts::02-kill › runs after the kill').status).toBe(
      'passed',
    );
  }, 120_000);

  test('a filter runs only the tests whose full name (› between names) contains it', async () => {
    const outcome = await runTests({
      src: join(fixtures, 'src'),
      testDirs: [join(fixtures, '01-virtualization/tests')],
      seed: 7,
      filter: '01-add › adds wrongly',
    });
    expect(outcome.results.map((r) => `${r.id} ${r.status}`)).toEqual([
      '01-virtualization/basics.test.ts::01-add › adds wrongly failed',
    ]);
  }, 120_000);
});

describe('a hang in code handling a guest', () => {
  test("names the guest's last instruction and the line that made the hypercall", async () => {
    const chapter = await loadChapter('02');
    const src = mkdtempSync(join(tmpdir(), 'xenlab-hang-guest-'));
    await writeSnapshot(chapter, src, true);
    const console = join(src, 'xen', 'console.ts');
    const text = readFileSync(console, 'utf8');
    const loop = '  while (count >= 0) {}\n  switch (cmd) {';
    writeFileSync(console, text.replace('  switch (cmd) {', loop));
    const outcome = await runTests({
      src,
      testDirs: [join(chapter.dir, 'tests')],
      seed: 1,
      filter: 'boots on your hypervisor and powers off',
      testTimeoutMs: 2000,
    });
    expect(outcome.results).toHaveLength(1);
    expect(outcome.results[0]!.message).toMatch(
      /^did not finish within 2 s: an infinite loop in your code\? It was in doConsoleIo at src\/xen\/console\.ts:\d+:\d+ when it was stopped\. The guest's last instruction was int 0x82 at 0x00001245, called from src\/guests\/lib\/xen\.inc:\d+: call hypercall_page \+ %1 \* 32 in simplest\.asm\.$/,
    );
  });
});

describe('the module cache', () => {
  test('a tree is graded as it is, whatever an earlier run of another tree or version cached', async () => {
    const fx = fixtureChapter();
    const moduleCache = join(fx.root, 'modules');
    const statuses = async (src: string) => {
      const outcome = await runTests({
        src,
        testDirs: [join(fx.chapter.dir, 'tests')],
        seed: 1,
        moduleCache,
      });
      return outcome.results.map((r) => `${r.name}: ${r.status}`);
    };
    const allPass = [
      'adds small numbers: passed',
      'adds negative numbers: passed',
      'subtracts: passed',
    ];
    expect(await statuses(fx.tree('solved'))).toEqual(allPass);
    expect(readdirSync(moduleCache).length, 'modules were cached').toBeGreaterThan(0);
    // The same test file, mounted on another tree: its cached imports must not lead to the first.
    const wrong = fx.tree('subWrong');
    expect(await statuses(wrong)).toEqual([...allPass.slice(0, 2), 'subtracts: failed']);
    writeFileSync(join(wrong, 'calc.ts'), TREES.solved);
    expect(await statuses(wrong), 'an edit counts').toEqual(allPass);
  });
});

describe('helpers', () => {
  test('the mount maps chapters/*/src into the graded tree and back', () => {
    const root = REPO_ROOT.replace(/\/$/, '');
    const mount = createMount({
      repoRoot: root,
      src: '/elsewhere/work/src',
      testDirs: ['/pack/03-shared-info/tests'],
    });
    expect(mount.realPath(`${root}/chapters/02-architecture/src/xen/index.ts`)).toBe(
      '/elsewhere/work/src/xen/index.ts',
    );
    expect(mount.realPath(`${root}/chapters/testing/index.ts`)).toBe(
      `${root}/chapters/testing/index.ts`,
    );
    expect(mount.realPath(`${root}/sim/cpu/cpu.ts`)).toBe(`${root}/sim/cpu/cpu.ts`);
    // A file of the graded tree stands where every chapter's src/ stands, so `../../../sim`
    // from src/xen/ reaches the repository's sim/.
    expect(mount.virtualPath('/elsewhere/work/src/xen/builder.ts')).toMatch(
      new RegExp(`^${root}/chapters/[^/]+/src/xen/builder\\.ts$`),
    );
    expect(mount.virtualPath('/pack/03-shared-info/tests/a.test.ts')).toBe(
      `${root}/chapters/03-shared-info/tests/a.test.ts`,
    );
    expect(mount.virtualPath(`${root}/sim/cpu/cpu.ts`)).toBeUndefined();
  });

  test('isExerciseId knows the chapter ids', () => {
    expect(isExerciseId('02-start-info')).toBe(true);
    expect(isExerciseId('A-set-trap-table')).toBe(true);
    expect(isExerciseId('99-nothing')).toBe(false);
    expect(isExerciseId('02-Start')).toBe(false);
    expect(isExerciseId('start-info')).toBe(false);
  });

  test('declaredTests reads describe and test names with their nesting', () => {
    const source = `describe('02-a', () => {\n test('one', () => {});\n describe("inner", () => {\n it('two', () => {}); });\n});\ntest('top', () => {});`;
    expect(declaredTests(source)).toEqual([['02-a', 'one'], ['02-a', 'inner', 'two'], ['top']]);
  });
});
