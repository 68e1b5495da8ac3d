// Who may import whom (docs/architecture.md §2), checked on the import specifiers of every
// TypeScript and Vue file of the repository: the layers stay layers as chapters are added.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** One import of one file: the specifier as written, where it resolves (repository path). */
export interface Import {
  file: string;
  line: number;
  specifier: string;
  /** The repository-relative path it resolves to, or null for a package or `node:` module. */
  target: string | null;
}

export interface Violation {
  rule: string;
  file: string;
  line: number;
  specifier: string;
  /** For a rule on what a build reaches: the import chain from the build's file. */
  via?: string[];
}

/** Folders never scanned: packages, build output, the learner's generated trees. */
const SKIPPED = [
  /^node_modules\//,
  /^\.git\//,
  /^\.xenlab\//,
  /^site\/\.vitepress\/(dist|cache)\//,
  /^chapters\/[^/]+\/src\//,
];

/** Every .ts/.mts/.vue file under `root`, repository-relative, sorted. */
export function sourceFiles(root: string, dir = ''): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const rel = dir === '' ? entry.name : `${dir}/${entry.name}`;
    if (SKIPPED.some((skip) => skip.test(`${rel}/`))) continue;
    if (entry.isDirectory()) files.push(...sourceFiles(root, rel));
    else if (/\.(m?ts|vue)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) files.push(rel);
  }
  return files.sort();
}

/** The script blocks of a Vue single-file component, blanked elsewhere so lines stay true. */
function vueScript(text: string): string {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(/(<script\b[^>]*>)([\s\S]*?)<\/script>/g)) {
    const start = m.index + m[1]!.length;
    out += text.slice(last, start).replace(/[^\n]/g, ' ') + m[2]!;
    last = start + m[2]!.length;
  }
  return out + text.slice(last).replace(/[^\n]/g, ' ');
}

/** The imports of `file`: static, re-exports, dynamic `import()` and `import type`. */
export function importsOf(root: string, file: string): Import[] {
  const raw = readFileSync(join(root, file), 'utf8');
  const text = file.endsWith('.vue') ? vueScript(raw) : raw;
  const info = ts.preProcessFile(text, true, true);
  return info.importedFiles.map(({ fileName, pos }) => {
    const line = text.slice(0, pos).split('\n').length;
    const path = fileName.replace(/\?.*$/, '');
    const target = path.startsWith('.')
      ? relative(root, resolve(root, dirname(file), path)).replaceAll('\\', '/')
      : null;
    return { file, line, specifier: fileName, target };
  });
}

const under = (path: string, folder: string) => path.startsWith(`${folder}/`);
const isTestHelper = (path: string) =>
  /\.test\.ts$/.test(path) ||
  under(path, 'chapters/testing') ||
  /^chapters\/[^/]+\/tests\//.test(path) ||
  under(path, 'grader');

/** The one module of sim/ its users import. */
export const HOST_INTERFACE = 'sim/host.ts';

/** Rules on single imports: the folder they apply to, and what an import may not reach. */
const RULES: {
  name: string;
  applies: (file: string) => boolean;
  refuses: (t: string) => boolean;
}[] = [
  {
    name: 'sim/ imports nothing outside sim/',
    applies: (f) => under(f, 'sim'),
    refuses: (t) => !under(t, 'sim'),
  },
  {
    name: 'solutions/ imports nothing of grader/ or site/',
    applies: (f) => under(f, 'solutions'),
    refuses: (t) => under(t, 'grader') || under(t, 'site'),
  },
  {
    name: 'tools/ imports nothing of grader/, chapters/, site/ or solutions/',
    applies: (f) => under(f, 'tools'),
    refuses: (t) => ['grader', 'chapters', 'site', 'solutions'].some((folder) => under(t, folder)),
  },
  {
    name: `solutions/, grader/, site/, tools/ and the chapter tests reach sim/ only through ${HOST_INTERFACE}`,
    applies: (f) =>
      ['solutions', 'grader', 'site', 'tools', 'chapters'].some((folder) => under(f, folder)),
    refuses: (t) => under(t, 'sim') && t !== HOST_INTERFACE,
  },
];

/** The files the site's production build starts from: its config, theme, components, worker. */
const SITE_BUILD = (file: string) => under(file, 'site/.vitepress');

/** Every violation in the repository at `root`. */
export function checkBoundaries(root: string): Violation[] {
  const files = sourceFiles(root);
  const imports = new Map(files.map((f) => [f, importsOf(root, f)]));
  const violations: Violation[] = [];
  for (const list of imports.values()) {
    for (const imp of list) {
      if (imp.target === null) continue;
      for (const rule of RULES) {
        if (rule.applies(imp.file) && rule.refuses(imp.target)) {
          violations.push({ rule: rule.name, ...imp });
        }
      }
    }
  }
  violations.push(...siteBuildReach(root, files, imports));
  return violations;
}

/**
 * The site's production build, followed import by import from every file of site/.vitepress:
 * nothing it reaches may be a test or a test helper (chapters/testing, chapter tests, grader/).
 */
function siteBuildReach(
  root: string,
  files: string[],
  imports: Map<string, Import[]>,
): Violation[] {
  const rule =
    'the site’s production build reaches no test helper (tests, chapters/testing, grader/)';
  const violations: Violation[] = [];
  const chain = new Map<string, string[]>();
  const queue = files.filter(SITE_BUILD);
  for (const f of queue) chain.set(f, [f]);
  while (queue.length > 0) {
    const file = queue.shift()!;
    const list = imports.get(file) ?? (existsSync(join(root, file)) ? importsOf(root, file) : []);
    for (const imp of list) {
      if (imp.target === null || chain.has(imp.target)) continue;
      const via = [...chain.get(file)!, imp.target];
      if (isTestHelper(imp.target)) {
        violations.push({ rule, ...imp, via });
        continue;
      }
      chain.set(imp.target, via);
      queue.push(imp.target);
    }
  }
  return violations;
}

/** One line per violation: file:line, the import, the rule, and the chain when there is one. */
export function formatViolation(v: Violation): string {
  const via = v.via === undefined ? '' : `\n    reached by ${v.via.join(' → ')}`;
  return `${v.file}:${v.line}: import '${v.specifier}' breaks "${v.rule}"${via}`;
}
