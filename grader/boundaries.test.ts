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

  describe('the checker, on a small tree that breaks every rule once', () => {
    const root = mkdtempSync(join(tmpdir(), 'xenlab-boundaries-'));
    afterAll(() => rmSync(root, { recursive: true, force: true }));
    const tree: Record<string, string> = {
      'sim/host.ts': "export { run } from './cpu/run.ts';\n",
      'sim/cpu/run.ts': "import { x } from '../../solutions/xen/x.ts';\nexport const run = x;\n",
      'solutions/xen/x.ts': "import { y } from '../../grader/y.ts';\nexport const x = y;\n",
      'solutions/xen/z.ts':
        "import type { Cpu } from '../../sim/cpu/cpu.ts';\nimport { run } from '../../sim/host.ts';\n",
      'grader/y.ts': 'export const y = 1;\n',
      'chapters/testing/screen.ts': 'export const s = 1;\n',
      'tools/screen.ts': 'export const t = 1;\n',
      // The build side may use Node and tools/; the browser side may not, but a type is no load.
      'site/.vitepress/config.ts':
        "import { readFileSync } from 'node:fs';\nimport { t } from '../../tools/screen.ts';\n",
      'site/.vitepress/theme/D.vue':
        '<script setup lang="ts">\nimport type { C } from \'../config.ts\';\n</script>\n',
      'site/.vitepress/theme/a.ts': "export { b } from './b.ts';\n",
      'site/.vitepress/theme/b.ts':
        "export const b = import('../../../chapters/testing/screen.ts');\n",
      'site/.vitepress/theme/C.vue':
        '<template><p/></template>\n<script setup lang="ts">\nimport W from \'./w.ts?worker\';\n</script>\n',
      'site/.vitepress/theme/w.ts': "import { run } from '../../../sim/cpu/run.ts';\n",
      'site/.vitepress/theme/n.ts': "import { join } from 'node:path';\n",
    };
    for (const [path, text] of Object.entries(tree)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }

    it('finds static, type-only, dynamic and Vue imports, with their lines', () => {
      const seen = (file: string) =>
        importsOf(root, file).map((i) => [i.line, i.target, i.typeOnly]);
      expect(seen('solutions/xen/z.ts')).toEqual([
        [1, 'sim/cpu/cpu.ts', true],
        [2, 'sim/host.ts', false],
      ]);
      expect(seen('site/.vitepress/theme/C.vue')).toEqual([
        [3, 'site/.vitepress/theme/w.ts', false],
      ]);
      expect(seen('site/.vitepress/theme/b.ts')).toEqual([
        [1, 'chapters/testing/screen.ts', false],
      ]);
    });

    it('names file, line, import and rule for each break, and the chain that reaches it', () => {
      const host = 'outside sim/, sim/ is reached only through sim/host.ts';
      expect(checkBoundaries(root).map(formatViolation)).toEqual([
        `sim/cpu/run.ts:1: import '../../solutions/xen/x.ts' breaks "sim/ imports nothing outside sim/"`,
        `site/.vitepress/theme/w.ts:1: import '../../../sim/cpu/run.ts' breaks "${host}"`,
        `solutions/xen/x.ts:1: import '../../grader/y.ts' breaks "solutions/ imports nothing of grader/ or site/"`,
        `solutions/xen/z.ts:1: import '../../sim/cpu/cpu.ts' breaks "${host}"`,
        `site/.vitepress/theme/b.ts:1: import '../../../chapters/testing/screen.ts' breaks "the site’s production build reaches no test or test helper"\n` +
          '    reached by site/.vitepress/theme/b.ts → chapters/testing/screen.ts',
        `site/.vitepress/theme/n.ts:1: import 'node:path' breaks "what ships to the browser (site/.vitepress/theme/) reaches no grader/, tools/ or Node module"\n` +
          '    reached by site/.vitepress/theme/n.ts → node:path',
        `solutions/xen/x.ts:1: import '../../grader/y.ts' breaks "what ships to the browser (site/.vitepress/theme/) reaches no grader/, tools/ or Node module"\n` +
          '    reached by site/.vitepress/theme/w.ts → sim/cpu/run.ts → solutions/xen/x.ts → grader/y.ts',
      ]);
    });
  });
});
