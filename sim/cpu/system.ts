// System instructions and state: Intel SDM vol. 3A §2.5 (control registers), §9.1 (reset
// state), §17.2 (debug registers), ch. 2.8 (system instructions), vol. 4 (MSRs), vol. 1 §19.5
// (I/O permission). Xen's counterparts: the hypervisor's emulation of privileged instructions
// (arch/x86/pv/emul-priv-op.c) reaches the same state through these functions.

import { type Cpu, CR0_ET, CS, TR } from './cpu.ts';
import { flushTlb } from './paging.ts';

/**
 * Power-on state (SDM §9.1.1, table 9-1): real mode, CS=F000 with base FFFF0000 and
 * EIP=FFF0, every data segment base 0 limit FFFF, GDTR/IDTR base 0, EFLAGS 2, TLB empty.
 * General registers are zeroed.
 */
export function resetCpu(cpu: Cpu): void {
  cpu.reg32.fill(0);
  for (let s = 0; s < 6; s++) {
    cpu.segSelector[s] = 0;
    cpu.segBase[s] = 0;
    cpu.segLimit[s] = 0xffff;
    // Table 9-1: every segment, CS too, is "present, R/W, accessed" in real mode.
    cpu.segAccess[s] = 0x93;
  }
  cpu.segSelector[CS] = 0xf000;
  cpu.segBase[CS] = 0xffff0000 | 0;
  for (let s = 6; s <= TR; s++) {
    cpu.segSelector[s] = 0;
    cpu.segBase[s] = 0;
    cpu.segLimit[s] = 0xffff;
    cpu.segAccess[s] = s === TR ? 0x8b : 0x82; // busy 32-bit TSS / LDT, present
  }
  cpu.eip = 0xfff0;
  cpu.flags = 0x2;
  cpu.flagsLazy = 0;
  cpu.gdtBase = 0;
  cpu.gdtLimit = 0xffff;
  cpu.idtBase = 0;
  cpu.idtLimit = 0x3ff;
  cpu.cr0 = CR0_ET;
  cpu.cr2 = 0;
  cpu.cr3 = 0;
  cpu.cr4 = 0;
  cpu.efer = 0;
  cpu.dr.fill(0);
  cpu.dr[6] = 0xffff0ff0 | 0;
  cpu.dr[7] = 0x400;
  cpu.cpl = 0;
  cpu.faultVector = -1;
  cpu.faultErrorCode = -1;
  cpu.pendingExit = -1;
  flushTlb(cpu, false);
}
