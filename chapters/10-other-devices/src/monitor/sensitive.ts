// Your working copy for chapter 10, generated from solutions/monitor/sensitive.ts by npx xenlab stage.
// The x86 problem: instructions that are sensitive but not privileged (Robin & Irvine, 2000),
// found in a guest's code with our disassembler: book §1.4, §1.5.1.
//
// Popek and Goldberg call an instruction *sensitive* if it reads or changes the machine's
// privileged state (the interrupt flag, the descriptor tables, the current privilege level),
// and *privileged* if it traps when executed outside the most privileged mode. A monitor that
// runs its guest deprivileged can only emulate what traps. On x86 the forms below execute in
// ring 1 or 3 without trapping, yet give a different answer than in ring 0: they are the holes
// a binary rewriter (rewrite.ts) has to plug.

import { disassemble } from '../../../../sim/host.ts';

/** Robin and Irvine's two groups. */
export type SensitiveKind = 'register' | 'protection';

export interface SensitiveForm {
  /** Matches the disassembler's text of the instruction (NASM syntax, ndisasm layout). */
  pattern: RegExp;
  kind: SensitiveKind;
  /** Why the form is sensitive, and what goes wrong when it runs deprivileged. */
  reason: string;
}

/** Every sensitive, unprivileged form of 32-bit x86, matched on the disassembled text. */
export const SENSITIVE_FORMS: readonly SensitiveForm[] = [
  {
    pattern: /^pushfd?$/,
    kind: 'register',
    reason: 'stores EFLAGS: IF and IOPL show the real machine, not the guest',
  },
  {
    pattern: /^popfd?$/,
    kind: 'register',
    reason: 'loads EFLAGS: above IOPL a change to IF is ignored, without a trap',
  },
  {
    pattern: /^iretd?$/,
    kind: 'register',
    reason: 'loads EFLAGS like POPF (IF ignored above IOPL) and checks CPL against CS',
  },
  { pattern: /^sgdt /, kind: 'register', reason: "stores GDTR: reveals the host's GDT" },
  { pattern: /^sidt /, kind: 'register', reason: "stores IDTR: reveals the host's IDT" },
  { pattern: /^sldt /, kind: 'register', reason: "stores LDTR: reveals the host's LDT" },
  { pattern: /^str /, kind: 'register', reason: "stores TR: reveals the host's task state" },
  { pattern: /^smsw /, kind: 'register', reason: "stores CR0's low word (PE, MP, EM, TS, ET)" },
  {
    pattern: /^(lar|lsl|verr|verw) /,
    kind: 'protection',
    reason: "checks a descriptor's DPL against CPL: ring 1 gets another answer than ring 0",
  },
  {
    pattern: /^push [cdefgs]s$/,
    kind: 'protection',
    reason: 'pushes a selector whose RPL shows the CPL (push cs)',
  },
  {
    pattern: /^pop [defgs]s$/,
    kind: 'protection',
    reason: "loads a segment, checking the descriptor's DPL against CPL",
  },
  {
    pattern: /^mov [^,]+,[cdefgs]s$/,
    kind: 'protection',
    reason: 'stores a selector whose RPL shows the CPL (mov ax,cs)',
  },
  {
    pattern: /^mov [defgs]s,/,
    kind: 'protection',
    reason: "loads a segment, checking the descriptor's DPL against CPL",
  },
  {
    pattern: /^(call|jmp) ((dword |word )?0x[0-9a-f]+:|(dword |word )?far )/,
    kind: 'protection',
    reason: 'a far transfer: its privilege checks compare CPL with the target DPL and RPL',
  },
  {
    pattern: /^retf( |$)/,
    kind: 'protection',
    reason: "a far return: checks the return CS's RPL against CPL",
  },
  {
    pattern: /^int 0x/,
    kind: 'protection',
    reason: "checks the gate's DPL against CPL: a ring-0 kernel's own INT may fault in ring 1",
  },
];

/** One sensitive instruction found in a guest's code. */
export interface SensitiveInstruction {
  /** Guest address of its first byte (org + offset in the code). */
  address: number;
  /** Its length in bytes. */
  length: number;
  /** The disassembled text, e.g. `popf`. */
  text: string;
  kind: SensitiveKind;
  reason: string;
}

/**
 * Every sensitive-but-unprivileged instruction of `code` (flat 32-bit code loaded at `org`),
 * in address order. Decodes instruction by instruction from the first byte (a linear sweep):
 * it assumes `code` holds instructions only, with no data between them.
 */
export function findSensitive(code: Uint8Array, org = 0): SensitiveInstruction[] {
  const found: SensitiveInstruction[] = [];
  for (const line of disassemble(code, { bits: 32, org })) {
    const form = SENSITIVE_FORMS.find((f) => f.pattern.test(line.text));
    if (form === undefined) continue;
    const { address, text } = line;
    found.push({ address, length: line.bytes.length, text, kind: form.kind, reason: form.reason });
  }
  return found;
}
