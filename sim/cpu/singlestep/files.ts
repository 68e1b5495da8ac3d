// Node-side loading of a SingleStepTests directory: the opcode files, metadata.json flag masks
// and revocation_list.txt. Used by the CLI (run.ts) and the vitest tier.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { type MooTest, parseMoo } from './moo.ts';

export interface OpcodeFile {
  /** File name without .MOO.gz, e.g. "80.3" or "9C". */
  name: string;
  path: string;
  /** AND mask for FLAGS from metadata.json (0xFFFF when all flags are defined). */
  flagsMask: number;
}

interface OpcodeMeta {
  'flags-mask'?: number;
  reg?: Record<string, OpcodeMeta>;
}

/** Lists the opcode files of `dir` in name order, with their flag masks. */
export function listOpcodeFiles(dir: string): OpcodeFile[] {
  const meta = JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8')) as {
    opcodes: Record<string, OpcodeMeta>;
  };
  return readdirSync(dir)
    .filter((f) => f.endsWith('.MOO.gz'))
    .sort()
    .map((f) => {
      const name = f.slice(0, -'.MOO.gz'.length);
      const [opcode, reg] = name.split('.');
      let m: OpcodeMeta | undefined = meta.opcodes[opcode!];
      if (reg !== undefined) m = m?.reg?.[reg];
      return { name, path: join(dir, f), flagsMask: m?.['flags-mask'] ?? 0xffff };
    });
}

/** Hashes of revoked tests (lines of hex; '#' starts a comment). */
export function readRevocations(dir: string): Set<string> {
  let text = '';
  try {
    text = readFileSync(join(dir, 'revocation_list.txt'), 'utf8');
  } catch {
    return new Set();
  }
  const hashes = text
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim().toLowerCase())
    .filter((l) => l.length > 0);
  return new Set(hashes);
}

export function readOpcodeFile(file: OpcodeFile): MooTest[] {
  return parseMoo(gunzipSync(readFileSync(file.path)));
}
