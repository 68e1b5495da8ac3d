// A folder's files as the FAT image builder's input (tools/fat.ts stays free of node:fs).
// Node-only.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FatInput } from './fat.ts';

/** Every file and directory under `dir`, paths relative to it ('/boot/grub/grub.cfg'), sorted. */
export function fatInputsUnder(dir: string, prefix = ''): FatInput[] {
  const inputs: FatInput[] = [];
  const entries = readdirSync(join(dir, prefix), { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const rel = `${prefix}/${entry.name}`;
    if (entry.isDirectory()) {
      inputs.push({ path: rel, directory: true }, ...fatInputsUnder(dir, rel));
    } else if (entry.isFile()) {
      inputs.push({ path: rel, data: new Uint8Array(readFileSync(join(dir, rel))) });
    }
  }
  return inputs;
}
