// Named code regions of solutions/ (solutions/README.md, "Chapter markers"), for the book's
// `<<< region:NAME` lines. A region's code is its lines without marker lines (a region may hold
// an exercise), without the commented-out starter body of an exercise, and dedented. Node-only.

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface Region {
  name: string;
  /** The file, relative to the repository root ('solutions/xen/builder.ts'). */
  file: string;
  /** The Shiki language of the file. */
  lang: string;
  code: string;
}

/** Source extensions and the Shiki language each is highlighted as. */
const LANGUAGES: Record<string, string> = { ts: 'ts', asm: 'asm', inc: 'asm' };

const MARKER = /^\s*(?:\/\/|;)\s*xenlab:\s*(\w+)\s*(\S*)/;

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourcesUnder(path);
    const ext = entry.name.split('.').pop() ?? '';
    return ext in LANGUAGES ? [path] : [];
  });
}

function dedent(lines: string[]): string {
  const indents = lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)![0].length);
  const cut = indents.length === 0 ? 0 : Math.min(...indents);
  return lines.map((l) => l.slice(cut)).join('\n');
}

/** Parses one file's regions; a region left open or an end without a region is an error. */
export function regionsOfFile(file: string, text: string): Region[] {
  const lang = LANGUAGES[file.split('.').pop() ?? ''] ?? 'text';
  const open = new Map<string, string[]>();
  const done: Region[] = [];
  /** The exercise whose starter body is being skipped, if any. */
  let inStarter: string | null = null;
  const exercises: string[] = [];
  text.split('\n').forEach((line, i) => {
    const marker = MARKER.exec(line);
    if (marker === null) {
      if (inStarter === null) for (const lines of open.values()) lines.push(line);
      return;
    }
    const [, keyword, name] = marker as unknown as [string, string, string];
    if (keyword === 'region') open.set(name, []);
    else if (keyword === 'exercise') exercises.push(name);
    else if (keyword === 'starter') inStarter = exercises.at(-1) ?? null;
    else if (keyword === 'end') {
      if (exercises.at(-1) === name) {
        exercises.pop();
        inStarter = null;
      } else if (open.has(name)) {
        done.push({ name, file, lang, code: dedent(open.get(name)!) });
        open.delete(name);
      } else throw new Error(`${file}:${i + 1}: "xenlab: end ${name}" closes nothing`);
    }
  });
  for (const name of open.keys()) throw new Error(`${file}: region ${name} is never ended`);
  return done;
}

/** Every region under `solutionsDir`, by name; a name defined twice is an error. */
export function regionsUnder(
  root: string,
  solutionsDir = join(root, 'solutions'),
): Map<string, Region> {
  const regions = new Map<string, Region>();
  for (const path of sourcesUnder(solutionsDir)) {
    const file = relative(root, path);
    for (const region of regionsOfFile(file, readFileSync(path, 'utf8'))) {
      const twin = regions.get(region.name);
      if (twin !== undefined) {
        throw new Error(`region ${region.name} is defined twice: in ${twin.file} and ${file}`);
      }
      regions.set(region.name, region);
    }
  }
  return regions;
}
