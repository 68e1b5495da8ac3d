// Your working copy for chapter 10, generated from solutions/monitor/emulate.ts by npx xenlab stage.
// Trap and emulate: what the monitor does with an instruction that trapped, against the guest's
// virtual CPU (its interrupt flag, descriptor-table registers, CR0): book §1.1.1, §1.3, §1.5.1.
//
// Two kinds of instruction reach here. Privileged ones (CLI, STI, LGDT, LIDT, OUT, HLT) trap by
// themselves: at CPL > 0 (and above IOPL) they raise #GP. Sensitive-but-unprivileged ones
// (PUSHF, POPF, IRET, SGDT, SIDT, SLDT, STR, SMSW) trap only because the rewriter put an INT3
// where they stood. Either way the monitor has already moved EIP past the instruction.
//
// We emulate the plain 32-bit forms our guests use: no prefixes, operand size 32.

import {
  EAX,
  EDX,
  effectiveAddress,
  FLAG_AC,
  FLAG_ID,
  FLAG_IF,
  FLAG_NT,
  setEflags,
} from '../../../../sim/host.ts';
import {
  consoleWrite,
  flagsImage,
  guestPop,
  guestPush,
  guestRead16,
  guestRead32,
  guestWrite16,
  guestWrite32,
  HALTED,
  setInterruptFlag,
  type TrappedInstruction,
  type Vm,
} from './vm.ts';

/** EFLAGS bits POPF and IRET load for the guest: all but IF and IOPL (kept virtual) and VM/RF. */
const GUEST_FLAGS = 0x0dd5 | FLAG_NT | FLAG_AC | FLAG_ID;

/**
 * Emulates `insn` for the guest; returns false for an instruction this monitor does not
 * emulate (the guest is then stopped). EIP is already past the instruction.
 */
export function emulate(vm: Vm, insn: TrappedInstruction): boolean {
  const { cpu, v } = vm;
  switch (insn.mnemonic) {
    case 'cli':
    case 'sti':
      setInterruptFlag(vm, insn.mnemonic === 'sti');
      return true;
    case 'pushf':
      guestPush(vm, flagsImage(vm));
      return true;
    case 'popf':
      loadFlags(vm, guestPop(vm));
      return true;
    case 'iret': {
      // A return to the guest's own ring: EIP, CS (unchanged), EFLAGS.
      const eip = guestPop(vm);
      guestPop(vm);
      loadFlags(vm, guestPop(vm));
      cpu.eip = eip;
      return true;
    }
    case 'lgdt':
    case 'lidt': {
      const at = operand(vm, insn);
      if (at.register !== undefined) return false;
      const table = { limit: guestRead16(vm, at.offset), base: guestRead32(vm, at.offset + 2) };
      if (insn.mnemonic === 'lgdt') v.gdtr = table;
      else v.idtr = table;
      return true;
    }
    case 'sgdt':
    case 'sidt': {
      const at = operand(vm, insn);
      if (at.register !== undefined) return false;
      const table = insn.mnemonic === 'sgdt' ? v.gdtr : v.idtr;
      guestWrite16(vm, at.offset, table.limit);
      guestWrite32(vm, at.offset + 2, table.base);
      return true;
    }
    case 'sldt':
    case 'str':
    case 'smsw': {
      const value = insn.mnemonic === 'sldt' ? v.ldtr : insn.mnemonic === 'str' ? v.tr : v.cr0;
      const at = operand(vm, insn);
      // A register gets the whole value (zero-extended), memory the low word.
      if (at.register !== undefined) cpu.reg32[at.register] = value;
      else guestWrite16(vm, at.offset, value & 0xffff);
      return true;
    }
    case 'out': {
      // E6 ib: OUT imm8, AL.  EE: OUT DX, AL.  (Word and dword OUTs: not emulated.)
      const opcode = insn.bytes[0];
      if (opcode !== 0xe6 && opcode !== 0xee) return false;
      const port = opcode === 0xe6 ? insn.bytes[1]! : cpu.reg32[EDX]! & 0xffff;
      consoleWrite(vm, port, cpu.reg32[EAX]! & 0xff);
      return true;
    }
    case 'hlt':
      vm.stopped = HALTED;
      return true;
    default:
      return false;
  }
}

/** POPF and IRET at the guest's virtual CPL 0: every flag loads, IF into the virtual CPU. */
function loadFlags(vm: Vm, value: number): void {
  setEflags(vm.cpu, value, GUEST_FLAGS);
  setInterruptFlag(vm, (value & FLAG_IF) !== 0);
}

/**
 * The ModRM operand of a two-byte (0F xx /r) instruction: a register number, or the guest
 * offset of its memory operand, computed from the guest's registers as the CPU would.
 */
function operand(
  vm: Vm,
  insn: TrappedInstruction,
): { register: number; offset: 0 } | { register: undefined; offset: number } {
  const modrm = insn.bytes[2]!;
  if (modrm >= 0xc0) return { register: modrm & 7, offset: 0 };
  return { register: undefined, offset: effectiveAddress(vm.cpu, insn.bytes, 3, modrm) };
}
