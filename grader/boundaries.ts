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
  /** `import type` and the like: it checks types, and nothing of it is loaded. */
  typeOnly: boolean;
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

/** Whether a declaration imports or re-exports types only (erased when compiled). */
function typeOnly(node: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  if (ts.isExportDeclaration(node)) {
    if (node.isTypeOnly) return true;
    const names = node.exportClause;
    return names !== undefined && ts.isNamedExports(names) && names.elements.length > 0
      ? names.elements.every((e) => e.isTypeOnly)
      : false;
  }
  const clause = node.importClause;
  if (clause === undefined) return false;
  if (clause.isTypeOnly) return true;
  const names = clause.namedBindings;
  return (
    clause.name === undefined &&
    names !== undefined &&
    ts.isNamedImports(names) &&
    names.elements.length > 0 &&
    names.elements.every((e) => e.isTypeOnly)
  );
}

/** The imports of `file`: static, re-exports, dynamic `import()`, type-only ones marked. */
export function importsOf(root: string, file: string): Import[] {
  const raw = readFileSync(join(root, file), 'utf8');
  const text = file.endsWith('.vue') ? vueScript(raw) : raw;
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: Import[] = [];
  const add = (literal: ts.StringLiteralLike, isTypeOnly: boolean) => {
    const specifier = literal.text;
    const path = specifier.replace(/\?.*$/, '');
    const target = path.startsWith('.')
      ? relative(root, resolve(root, dirname(file), path)).replaceAll('\\', '/')
      : null;
    const line = source.getLineAndCharacterOfPosition(literal.getStart()).line + 1;
    found.push({ file, line, specifier, target, typeOnly: isTypeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier !== undefined &&
      ts.isStringLiteralLike(node.moduleSpecifier)
    ) {
      add(node.moduleSpecifier, typeOnly(node));
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] !== undefined &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      add(node.arguments[0], false);
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteralLike(node.argument.literal)
    ) {
      add(node.argument.literal, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const under = (path: string, folder: string) => path.startsWith(`${folder}/`);

/** Tests and what only tests use: chapter tests, their helpers, the grader's test runner. */
const isTestOrHelper = (path: string) =>
  /\.test\.ts$/.test(path) ||
  under(path, 'chapters/testing') ||
  /^chapters\/[^/]+\/tests\//.test(path) ||
  under(path, 'grader/runner') ||
  under(path, 'grader/fixtures');

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
    name: `outside sim/, sim/ is reached only through ${HOST_INTERFACE}`,
    applies: (f) => !under(f, 'sim'),
    refuses: (t) => under(t, 'sim') && t !== HOST_INTERFACE,
  },
];

/** Rules on everything a build reaches, import by import, from the files it starts at. */
const REACH_RULES: {
  name: string;
  starts: (file: string) => boolean;
  refuses: (imp: Import) => boolean;
}[] = [
  {
    name: 'the site’s production build reaches no test or test helper',
    starts: (f) => under(f, 'site/.vitepress'),
    refuses: (imp) => imp.target !== null && isTestOrHelper(imp.target),
  },
  {
    name: 'what ships to the browser (site/.vitepress/theme/) reaches no grader/, tools/ or Node module',
    starts: (f) => under(f, 'site/.vitepress/theme'),
    refuses: (imp) =>
      imp.target === null
        ? imp.specifier.startsWith('node:')
        : under(imp.target, 'grader') || under(imp.target, 'tools'),
  },
];

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
  for (const rule of REACH_RULES) violations.push(...reach(root, files, imports, rule));
  return violations;
}

/**
 * Follows the imports that load code (not `import type`) breadth-first from the rule's files;
 * reports each refused import once, with the chain that reaches it.
 */
function reach(
  root: string,
  files: string[],
  imports: Map<string, Import[]>,
  rule: (typeof REACH_RULES)[number],
): Violation[] {
  const violations: Violation[] = [];
  const chain = new Map<string, string[]>();
  const queue = files.filter(rule.starts);
  for (const f of queue) chain.set(f, [f]);
  while (queue.length > 0) {
    const file = queue.shift()!;
    const list = imports.get(file) ?? (existsSync(join(root, file)) ? importsOf(root, file) : []);
    for (const imp of list) {
      if (imp.typeOnly) continue; // erased: nothing of it is loaded
      if (rule.refuses(imp)) {
        violations.push({
          rule: rule.name,
          ...imp,
          via: [...chain.get(file)!, imp.target ?? imp.specifier],
        });
        continue;
      }
      if (imp.target === null || chain.has(imp.target)) continue;
      chain.set(imp.target, [...chain.get(file)!, imp.target]);
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
