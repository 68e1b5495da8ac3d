// Chapter 1's exercises: the x86 problem found, plugged by binary rewriting, and emulated.
import type { Exercise } from '../exercise.ts';

export const EXERCISES: Exercise[] = [
  {
    id: '01-find-sensitive',
    title: 'Find the sensitive instructions in a guest',
    points: 2,
    files: ['src/monitor/sensitive.ts'],
    section: '1.4',
    hints: [
      'Disassemble the code from its first byte with `disassemble(code, { bits: 32, org })`: ' +
        'each line is one instruction, with its address, bytes and text.',
      'A line is sensitive when one of SENSITIVE_FORMS matches its text ' +
        '(`form.pattern.test(line.text)`); report its address, length (line.bytes.length), ' +
        "text, and the form's kind and reason.",
      'Do not look for opcode bytes in the raw code: 0x9D inside `mov eax, 0x9d000000` is an ' +
        'immediate, not a POPF. Only the decoder knows where instructions begin.',
    ],
    fuel: 10_000,
  },
  {
    id: '01-rewrite',
    title: 'A binary rewriter: patch every sensitive instruction to trap',
    points: 3,
    files: ['src/monitor/rewrite.ts'],
    section: '1.5.1',
    hints: [
      'Start from a copy of the code (`Uint8Array.from(code)`) and the list findSensitive gives.',
      'At each site write INT3 (0xCC) over the first byte and NOP (0x90) over the rest of the ' +
        "instruction: the site keeps its length, so nothing after it moves and no jump's " +
        'target changes.',
      "Key the patch map by the site's address (org + offset), and keep the original bytes " +
        '(`code.slice(offset, offset + length)`) with the finding: the monitor needs them to ' +
        'emulate the instruction when the INT3 traps.',
    ],
    fuel: 10_000,
  },
  {
    id: '01-trap-emulate',
    title: 'Trap and emulate against a virtual CPU',
    points: 5,
    files: ['src/monitor/emulate.ts'],
    section: '1.5.1',
    hints: [
      'One case per mnemonic (insn.mnemonic): CLI/STI and POPF/PUSHF/IRET work on the virtual ' +
        'IF (setInterruptFlag, flagsImage), LGDT/LIDT/SGDT/SIDT on vm.v.gdtr/idtr, ' +
        'SLDT/STR/SMSW on vm.v.ldtr/tr/cr0, OUT on the console, HLT stops the guest.',
      'EIP is already past the instruction; only IRET sets it (pop EIP, CS, EFLAGS). Use ' +
        'guestPush/guestPop for the stack and the operand() helper for a ModRM operand: a ' +
        'register number or the guest address of the memory operand.',
      'POPF is `loadFlags(vm, guestPop(vm))`: at the virtual CPL 0 every flag the guest may ' +
        'change loads, IF (bit 9) into the virtual CPU. PUSHF is `guestPush(vm, ' +
        'flagsImage(vm))`: the real flags with the virtual IF. LGDT reads a limit (16 bits) ' +
        'then a base (32 bits) at the operand; SGDT writes them back.',
    ],
    fuel: 1_000_000,
  },
];
