// Reads a folder of NASM sources into the assembler's virtual file system (sim/asm takes files
// as a map, so it stays free of node:fs). Node-only.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Every .asm/.inc file under `dir`, keyed by its path relative to `dir` ('lib/xen.inc'). */
export function asmSourcesUnder(dir: string, prefix = ''): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) Object.assign(files, asmSourcesUnder(dir, rel));
    else if (/\.(asm|inc)$/.test(entry.name)) files[rel] = readFileSync(join(dir, rel), 'utf8');
  }
  return files;
}
