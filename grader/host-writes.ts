// The host-write rule of sim/memory: code outside the CPU changes machine memory only through
// PhysMemory's methods (write8/16/32, writeBytes, fill, loadRom), never by writing its `ram`
// array, because a CPU may hold instructions decoded from that memory (sim/cpu/blocks.ts) and
// only PhysMemory's writes drop them.

import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { sourceFiles, stripComments } from './determinism.ts';

/** Each direct write, with what to call instead. */
export const DIRECT_WRITES = [
  {
    pattern: /\.ram\s*\[[^\]]*\]\s*([+\-*|&^]|<<|>>>?)?=(?!=)/,
    name: 'ram[i] = …',
    use: 'mem.write8',
  },
  {
    pattern: /\.ram\s*\.\s*(set|fill|copyWithin)\s*\(/,
    name: 'ram.set/fill',
    use: 'mem.writeBytes or mem.fill',
  },
  { pattern: /\bram(16|32)\b/, name: 'cpu.ram16/ram32', use: 'mem.write16 or mem.write32' },
  { pattern: /\bmem\.buffer\b/, name: 'a view of mem.buffer', use: 'PhysMemory’s methods' },
] as const;

/** Where the rule applies: everything but the CPU and memory themselves. */
export const HOST_FOLDERS = [
  'solutions',
  'chapters',
  'grader',
  'bench',
  'site',
  'tools',
  'sim/asm',
  'sim/devices',
];
export const HOST_FILES = ['sim/machine.ts', 'sim/selftest.ts'];

export interface DirectWrite {
  file: string;
  line: number;
  name: string;
  use: string;
}

/** The direct writes in one source text. */
export function findDirectWrites(file: string, source: string): DirectWrite[] {
  const found: DirectWrite[] = [];
  stripComments(source)
    .split('\n')
    .forEach((text, i) => {
      for (const w of DIRECT_WRITES) {
        if (w.pattern.test(text)) found.push({ file, line: i + 1, name: w.name, use: w.use });
      }
    });
  return found;
}

/** Scans HOST_FOLDERS and HOST_FILES under `root`, skipping this rule's own files. */
export function checkHostWrites(root: string): DirectWrite[] {
  const files = [
    ...HOST_FOLDERS.filter((f) => existsSync(join(root, f))).flatMap((f) =>
      sourceFiles(join(root, f)),
    ),
    ...HOST_FILES.map((f) => join(root, f)).filter((f) => existsSync(f)),
  ].filter((f) => !/host-writes(\.test)?\.ts$/.test(f));
  return files.flatMap((path) =>
    findDirectWrites(relative(root, path), readFileSync(path, 'utf8')),
  );
}
