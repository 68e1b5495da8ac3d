import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './cache.ts';
import { gradedChapters } from './chapters.ts';
import { buildStudentTree, leakedSolutions, solutionBodies } from './handout.ts';
import { guestsShown } from './handout-readme.ts';
import { readMarkedTree } from './stage/index.ts';
import { spoilersIn } from './stage/spoilers.ts';

describe('the student handout', async () => {
  // The latest graded chapter, its src/ generated afresh from solutions/.
  const chapters = (await gradedChapters()).slice(-1);
  const out = join(mkdtempSync(join(tmpdir(), 'xenlab-handout-')), 'lab');
  const files = await buildStudentTree(chapters, out);

  it('has no solutions/ and no solution body of a chapter not yet solved', () => {
    expect(files.filter((f) => f.startsWith('solutions/'))).toEqual([]);
    expect(existsSync(join(out, 'solutions'))).toBe(false);
    const bodies = solutionBodies();
    expect(bodies.length).toBeGreaterThan(0);
    expect(leakedSolutions(out, files, chapters, bodies)).toEqual([]);
  });

  it('the leak check finds a solution body copied into the tree', () => {
    const body = solutionBodies().find((b) => b.lines.join('').length >= 40)!;
    const lab = mkdtempSync(join(tmpdir(), 'xenlab-leak-'));
    copyFileSync(join(REPO_ROOT, 'solutions', body.file), join(lab, 'planted.ts'));
    expect(leakedSolutions(lab, ['planted.ts'], [])).toContain(
      `planted.ts: the solution of ${body.id}`,
    );
  });

  it('keeps the chosen chapters, their tests and starters, and the grader, without its own tests', () => {
    for (const c of chapters) {
      expect(files.some((f) => f.startsWith(`chapters/${c.slug}/tests/`))).toBe(true);
      expect(files.some((f) => f.startsWith(`chapters/${c.slug}/src/`))).toBe(true);
    }
    expect(files).toContain('grader/commands/grade.ts');
    expect(files).toContain('chapters/testing/index.ts');
    // The starters' comments cite docs/ (docs/xen-abi.md §6.4): the documents travel with them.
    expect(files).toContain('docs/xen-abi.md');
    expect(files.filter((f) => f.startsWith('grader/') && f.endsWith('.test.ts'))).toEqual([]);
    expect(readFileSync(join(out, '.github/workflows/classroom.yml'), 'utf8')).toMatch(
      /autograding/,
    );
  });

  it('its chapter READMEs are complete without the site: quotes filled in, no Vue, no spoiler', async () => {
    const tree = await readMarkedTree();
    for (const c of chapters) {
      const original = readFileSync(join(c.dir, 'README.md'), 'utf8');
      const text = readFileSync(join(out, 'chapters', c.slug, 'README.md'), 'utf8');
      expect(original).toMatch(/^<<< region:/m);
      expect(text).not.toMatch(/^<<</m);
      expect(text).not.toMatch(/^\s*<\/?[A-Z]/m);
      const regions = [...original.matchAll(/^<<< region:/gm)].length;
      expect([...text.matchAll(/^From `src\/[^`]+`:$/gm)].length).toBe(regions);
      for (const guest of guestsShown(original))
        expect(text).toContain(`npx xenlab run ${guest} --chapter ${c.id}`);
      expect(spoilersIn(tree, c.id, text)).toEqual([]);
    }
  });

  it('its xenlab command works, and run says the reference is not included', () => {
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(out, 'node_modules'));
    const xenlab = (...args: string[]) =>
      spawnSync(process.execPath, [join(out, 'bin/xenlab.js'), ...args], {
        cwd: out,
        encoding: 'utf8',
      });
    const help = xenlab('--help');
    expect(help.stderr).toBe('');
    expect(help.stdout).toMatch(/grade/);
    const run = xenlab('run', 'hello');
    expect(run.stderr).toMatch(
      /reference hypervisor \(solutions\/\) is not included in this handout/,
    );
    expect(run.status).toBe(2);
  });
});
