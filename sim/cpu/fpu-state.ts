// x87 FPU and SSE-control state (Intel SDM vol. 1 §8.1, §10.5): the registers FNSAVE/FXSAVE
// store. Behaviour lives in fpu.ts; this file is only the state, kept in its own module so that
// cpu.ts can embed it without an import cycle.

/** FPU status word bits (SDM vol. 1 §8.1.3). */
export const FSW_IE = 1 << 0;
export const FSW_DE = 1 << 1;
export const FSW_ZE = 1 << 2;
export const FSW_OE = 1 << 3;
export const FSW_UE = 1 << 4;
export const FSW_PE = 1 << 5;
export const FSW_SF = 1 << 6;
/** Error summary: some exception flag is set whose mask bit in the control word is clear. */
export const FSW_ES = 1 << 7;
export const FSW_C0 = 1 << 8;
export const FSW_C1 = 1 << 9;
export const FSW_C2 = 1 << 10;
export const FSW_TOP_SHIFT = 11;
export const FSW_TOP = 7 << FSW_TOP_SHIFT;
export const FSW_C3 = 1 << 14;
/** Busy: mirrors ES on everything since the 387. */
export const FSW_B = 1 << 15;
/** The six exception flags (and, in the control word, their masks). */
export const FPU_EXCEPTIONS = 0x3f;

/** Control word fields (SDM vol. 1 §8.1.5). */
export const FCW_PC_SHIFT = 8;
export const FCW_RC_SHIFT = 10;
export const FCW_RC = 3 << FCW_RC_SHIFT;

/** Tag values, two bits per physical register (SDM vol. 1 §8.1.7). */
export const TAG_VALID = 0;
export const TAG_ZERO = 1;
export const TAG_SPECIAL = 2;
export const TAG_EMPTY = 3;

/** MXCSR after reset, and the bits FXRSTOR accepts (no DAZ: MXCSR_MASK = 0xFFBF). */
export const MXCSR_RESET = 0x1f80;
export const MXCSR_MASK = 0xffbf;

export class FpuState {
  /** FCW. FNINIT sets 0x037F; RESET sets 0x0040. */
  control = 0x0040;
  /** FSW, with TOP in bits 11–13. */
  status = 0;
  /** Full tag word: two bits per physical register R0…R7 (not stack order). */
  tag = 0x5555;
  /**
   * The eight 80-bit data registers R0…R7 in physical order, split into the 64-bit significand
   * (with its explicit integer bit 63) and the 16-bit sign-and-exponent.
   */
  readonly mantLo = new Uint32Array(8);
  readonly mantHi = new Uint32Array(8);
  readonly signExp = new Uint16Array(8);
  /** Last non-control instruction: offset, CS selector, opcode (11 bits); last data operand. */
  fip = 0;
  fcs = 0;
  fop = 0;
  fdp = 0;
  fds = 0;
  /** SSE control/status. The sim has no SSE arithmetic; FXSAVE/FXRSTOR carry it and XMM0–7. */
  mxcsr = MXCSR_RESET;
  readonly xmm = new Uint8Array(128);
}
