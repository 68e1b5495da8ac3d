// The SingleStepTests 80286 forms we do not reproduce, each with the reason. The CLI and the
// vitest tier skip (and count) them; every other test must pass.
//
// We model an i686 in real mode, not a 286; where the two differ architecturally, the 286
// hardware vectors cannot match and the difference is listed here.

import { OPCODE_TABLE } from '../table.ts';
import type { MooTest } from './moo.ts';

/** Whole opcode files that are out of scope, by file name. */
export const OUT_OF_SCOPE_FILES: Readonly<Record<string, string>> = {};

/** Per-test exclusions: a name and a predicate over the instruction bytes. */
export const OUT_OF_SCOPE_FORMS: readonly { reason: string; matches: (t: MooTest) => boolean }[] = [
  {
    reason:
      'LOCK on an instruction that is not lockable (or has a register destination): the 286 ' +
      'ignores the prefix, the 386 and later raise #UD',
    matches: (t) => lockedButNotLockable(t.bytes),
  },
];

const PREFIXES = new Set([0x26, 0x2e, 0x36, 0x3e, 0xf0, 0xf2, 0xf3]);

/** Opcodes (one-byte map, memory form) whose table entries allow LOCK. */
function lockableMemoryForm(opcode: number, modrm: number): boolean {
  if (modrm >= 0xc0) return false;
  const reg = (modrm >> 3) & 7;
  return OPCODE_TABLE.some(
    (e) => e.opcode === opcode && e.lockable && (e.extension === -1 || e.extension === reg),
  );
}

function lockedButNotLockable(bytes: Uint8Array): boolean {
  let i = 0;
  let lock = false;
  while (i < bytes.length && PREFIXES.has(bytes[i]!)) {
    if (bytes[i] === 0xf0) lock = true;
    i++;
  }
  if (!lock) return false;
  return !lockableMemoryForm(bytes[i]!, bytes[i + 1] ?? 0xc0);
}

/** Why `test` of file `name` is out of scope, or undefined when it must pass. */
export function outOfScope(name: string, test: MooTest): string | undefined {
  const file = OUT_OF_SCOPE_FILES[name];
  if (file !== undefined) return file;
  for (const form of OUT_OF_SCOPE_FORMS) if (form.matches(test)) return form.reason;
  return undefined;
}
