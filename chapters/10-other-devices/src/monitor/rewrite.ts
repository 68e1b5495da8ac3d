// Your working copy for chapter 10, generated from solutions/monitor/rewrite.ts by npx xenlab stage.
// Binary rewriting: every sensitive-but-unprivileged instruction of a guest replaced by one that
// traps, so a trap-and-emulate monitor sees it: book §1.5.1 (VMware's answer to §1.4).
//
// A patch site keeps its length: the first byte becomes INT3 (CC, one byte, so it fits even
// PUSHF) and the rest NOPs (90). Nothing after the site moves, so no jump needs fixing and the
// code after it decodes exactly as before. INT3 from ring 1 or 3 reaches the monitor with EIP
// after it, which finds the original instruction in the patch map at EIP - 1.

import { findSensitive, type SensitiveInstruction } from './sensitive.ts';

/** INT3: the one-byte trapping instruction written at a patch site. */
export const INT3 = 0xcc;
/** NOP: the filler after it. */
export const NOP = 0x90;

/** One rewritten instruction: what stood at `address` before the patch. */
export interface Patch extends SensitiveInstruction {
  /** The original instruction's bytes. */
  bytes: Uint8Array;
}

export interface RewrittenCode {
  /** The code with every patch applied (a copy: the input is left alone). */
  code: Uint8Array;
  /** Patch site address → the instruction that stood there. */
  patches: Map<number, Patch>;
}

/** Patches every sensitive instruction of `code` (flat 32-bit code at `org`) to trap. */
export function rewrite(code: Uint8Array, org = 0): RewrittenCode {
  const out = Uint8Array.from(code);
  const patches = new Map<number, Patch>();
  for (const found of findSensitive(code, org)) {
    const offset = found.address - org;
    const bytes = code.slice(offset, offset + found.length);
    out[offset] = INT3;
    out.fill(NOP, offset + 1, offset + found.length);
    patches.set(found.address, { ...found, bytes });
  }
  return { code: out, patches };
}
