import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkBoundaries, formatViolation, importsOf, sourceFiles } from './boundaries.ts';

const ROOT = join(import.meta.dirname, '..');

describe('import boundaries', () => {
  it('hold in this repository', () => {
    const violations = checkBoundaries(ROOT).map(formatViolation);
    expect(violations, violations.join('\n')).toEqual([]);
  });

  it('are checked on the whole repository', () => {
    const files = sourceFiles(ROOT);
    for (const folder of [
      'sim/',
      'solutions/',
      'grader/',
      'site/.vitepress/',
      'tools/',
      'chapters/',
    ])
      expect(files.filter((f) => f.startsWith(folder)).length, folder).toBeGreaterThan(0);
    const host = importsOf(ROOT, 'solutions/xen/builder.ts').filter(
      (i) => i.target === 'sim/host.ts',
    );
    expect(host.length, 'the builder imports the host interface').toBe(1);
  });

  describe('the checker', () => {
    const root = mkdtempSync(join(tmpdir(), 'xenlab-boundaries-'));
    afterAll(() => rmSync(root, { recursive: true, force: true }));
    const write = (path: string, text: string) => {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    };
    write('sim/host.ts', "import { run } from './cpu/run.ts';\nexport { run };\n");
    write(
      'sim/cpu/run.ts',
      "import { x } from '../../solutions/xen/x.ts';\nexport const run = x;\n",
    );
    write('solutions/xen/x.ts', "import { y } from '../../grader/y.ts';\nexport const x = y;\n");
    write(
      'solutions/xen/z.ts',
      "import type { Cpu } from '../../sim/cpu/cpu.ts';\nimport { run } from '../../sim/host.ts';\n",
    );
    write('grader/y.ts', 'export const y = 1;\n');
    write('chapters/testing/screen.ts', 'export const s = 1;\n');
    write('site/.vitepress/theme/a.ts', "export { b } from './b.ts';\n");
    write(
      'site/.vitepress/theme/b.ts',
      "export const b = import('../../../chapters/testing/screen.ts');\n",
    );
    write(
      'site/.vitepress/theme/C.vue',
      '<template><p/></template>\n<script setup lang="ts">\nimport W from \'./w.ts?worker\';\n</script>\n',
    );
    write('site/.vitepress/theme/w.ts', "import { run } from '../../../sim/cpu/run.ts';\n");

    it('finds static, type-only, dynamic and Vue imports, with their lines', () => {
      expect(importsOf(root, 'solutions/xen/z.ts').map((i) => [i.line, i.target])).toEqual([
        [1, 'sim/cpu/cpu.ts'],
        [2, 'sim/host.ts'],
      ]);
      expect(importsOf(root, 'site/.vitepress/theme/C.vue').map((i) => [i.line, i.target])).toEqual(
        [[3, 'site/.vitepress/theme/w.ts']],
      );
    });

    it('names file, import and rule for every kind of violation', () => {
      const found = checkBoundaries(root).map(formatViolation);
      expect(found).toEqual([
        'sim/cpu/run.ts:1: import \'../../solutions/xen/x.ts\' breaks "sim/ imports nothing outside sim/"',
        'site/.vitepress/theme/w.ts:1: import \'../../../sim/cpu/run.ts\' breaks "solutions/, grader/, site/, tools/ and the chapter tests reach sim/ only through sim/host.ts"',
        'solutions/xen/x.ts:1: import \'../../grader/y.ts\' breaks "solutions/ imports nothing of grader/ or site/"',
        'solutions/xen/z.ts:1: import \'../../sim/cpu/cpu.ts\' breaks "solutions/, grader/, site/, tools/ and the chapter tests reach sim/ only through sim/host.ts"',
        'site/.vitepress/theme/b.ts:1: import \'../../../chapters/testing/screen.ts\' breaks "the site’s production build reaches no test helper (tests, chapters/testing, grader/)"\n    reached by site/.vitepress/theme/b.ts → chapters/testing/screen.ts',
        'solutions/xen/x.ts:1: import \'../../grader/y.ts\' breaks "the site’s production build reaches no test helper (tests, chapters/testing, grader/)"\n    reached by site/.vitepress/theme/w.ts → sim/cpu/run.ts → solutions/xen/x.ts → grader/y.ts',
      ]);
    });
  });
});
