import { describe, expect, it } from 'vitest';
import { enterFlatProtectedMode, Machine } from '../machine.ts';
import { PhysMemory } from '../memory/memory.ts';
import {
  Cpu,
  CR0_EM,
  CR0_MP,
  CR0_TS,
  DS,
  ExitReason,
  HostMode,
  VEC_GP,
  VEC_MF,
  VEC_NM,
  VEC_UD,
} from './cpu.ts';
import { FAULT } from './fault.ts';
import { fpuReset, fwait, fxrstor, fxsave, stEmpty, stValue, x87Escape } from './fpu.ts';

/** A real-mode CPU whose data segments cover 0…0xFFFF. */
function makeCpu(): Cpu {
  const cpu = new Cpu(new PhysMemory(0x20000));
  for (let s = 0; s < 6; s++) {
    cpu.segAccess[s] = 0x93;
    cpu.segLimit[s] = 0xffff;
  }
  cpu.opsize32 = true;
  fpuReset(cpu);
  return cpu;
}

/** Runs an x87 escape; returns the fault vector, or -1 when none. */
function esc(cpu: Cpu, opcode: number, modrm: number, ea = 0): number {
  cpu.modrm = modrm;
  cpu.eaOffset = ea;
  cpu.eaSegment = DS;
  return catchFault(cpu, () => x87Escape(cpu, opcode));
}

function catchFault(cpu: Cpu, body: () => void): number {
  try {
    body();
    return -1;
  } catch (e) {
    if (e !== FAULT) throw e;
    return cpu.faultVector;
  }
}

/** ModRM for a [disp16]-style memory operand with the given /reg (mod 00, rm 110). */
const mem = (reg: number) => (reg << 3) | 6;

function storeDouble(cpu: Cpu, addr: number, value: number): void {
  const bytes = new Uint8Array(new Float64Array([value]).buffer);
  cpu.mem.writeBytes(addr, bytes);
}

const FNINIT = [0xdb, 0xe3] as const;

describe('x87 control instructions', () => {
  it('FNINIT sets the default control word and empties the stack', () => {
    const cpu = makeCpu();
    expect(cpu.fpu.control).toBe(0x0040);
    expect(esc(cpu, ...FNINIT)).toBe(-1);
    expect(cpu.fpu.control).toBe(0x037f);
    expect(cpu.fpu.tag).toBe(0xffff);
    expect(cpu.fpu.status).toBe(0);
  });

  it('FNSTCW/FLDCW/FNSTSW move the words through memory and AX', () => {
    const cpu = makeCpu();
    esc(cpu, ...FNINIT);
    esc(cpu, 0xd9, mem(7), 0x100); // FNSTCW [0x100]
    expect(cpu.mem.read16(0x100)).toBe(0x037f);
    cpu.mem.write16(0x102, 0x0c7f);
    esc(cpu, 0xd9, mem(5), 0x102); // FLDCW [0x102]
    expect(cpu.fpu.control).toBe(0x0c7f);
    esc(cpu, 0xd9, 0xe8); // FLD1
    esc(cpu, 0xdf, 0xe0); // FNSTSW AX
    expect(cpu.reg16[0]! >>> 11).toBe(7); // TOP after one push
    esc(cpu, 0xdd, mem(7), 0x104); // FNSTSW [0x104]
    expect(cpu.mem.read16(0x104)).toBe(7 << 11);
  });

  it('constants load exactly', () => {
    const cpu = makeCpu();
    esc(cpu, ...FNINIT);
    esc(cpu, 0xd9, 0xeb); // FLDPI
    expect(stValue(cpu, 0)).toBe(Math.PI);
    esc(cpu, 0xd9, 0xed); // FLDLN2
    expect(stValue(cpu, 0)).toBe(Math.LN2);
    esc(cpu, 0xd9, 0xee); // FLDZ
    expect(stValue(cpu, 0)).toBe(0);
    expect(cpu.fpu.tag & (3 << (2 * 5))).toBe(1 << (2 * 5)); // R5 tagged zero
  });

  it('constants round per RC: FLDPI chopped ends in …C234, to nearest in …C235', () => {
    const cpu = makeCpu();
    esc(cpu, ...FNINIT);
    esc(cpu, 0xd9, 0xeb);
    expect(cpu.fpu.mantLo[7]).toBe(0x2168c235);
    cpu.mem.write16(0x100, 0x0f7f);
    esc(cpu, 0xd9, mem(5), 0x100);
    esc(cpu, 0xd9, 0xeb);
    expect(cpu.fpu.mantLo[6]).toBe(0x2168c234);
    esc(cpu, 0xd9, 0xe9); // FLDL2T: nearest is below, so only RC=up moves it
    expect(cpu.fpu.mantLo[5]).toBe(0xcd1b8afe);
  });

  it('FNSTENV (32-bit) pads the word fields with ones and masks every exception', () => {
    const cpu = makeCpu();
    cpu.cr0 |= 1;
    esc(cpu, ...FNINIT);
    esc(cpu, 0xd9, mem(6), 0x100);
    expect(cpu.mem.read32(0x100)).toBe(0xffff037f);
    expect(cpu.mem.read32(0x104)).toBe(0xffff0000);
    expect(cpu.mem.read32(0x108)).toBe(0xffffffff);
    cpu.mem.write16(0x120, 0x0372);
    esc(cpu, 0xd9, mem(5), 0x120);
    esc(cpu, 0xd9, mem(6), 0x100);
    expect(cpu.fpu.control).toBe(0x037f);
  });

  it('FNCLEX clears exception flags, ES and B but not the condition codes', () => {
    const cpu = makeCpu();
    cpu.fpu.status = 0xc7ff;
    esc(cpu, 0xdb, 0xe2);
    expect(cpu.fpu.status).toBe(0x4700);
  });
});

describe('x87 data moves', () => {
  it('FLD m64 / FSTP m32 / FSTP m64 convert exactly', () => {
    const cpu = makeCpu();
    esc(cpu, ...FNINIT);
    storeDouble(cpu, 0x200, 1.5);
    esc(cpu, 0xdd, mem(0), 0x200); // FLD qword
    expect(stValue(cpu, 0)).toBe(1.5);
    esc(cpu, 0xd9, mem(3), 0x210); // FSTP dword
    expect(cpu.mem.read32(0x210)).toBe(0x3fc00000);
    expect(stEmpty(cpu, 0)).toBe(true);
    storeDouble(cpu, 0x200, -1e-310); // a double denormal
    esc(cpu, 0xdd, mem(0), 0x200);
    esc(cpu, 0xdd, mem(3), 0x220);
    expect(new Float64Array(cpu.mem.readBytes(0x220, 8).buffer)[0]).toBe(-1e-310);
  });

  it('FSTP m32 rounds per RC and sets PE and C1', () => {
    const cpu = makeCpu();
    esc(cpu, ...FNINIT);
    storeDouble(cpu, 0x200, 1 + 2 ** -24 + 2 ** -40); // just above a tie
    esc(cpu, 0xdd, mem(0), 0x200);
    esc(cpu, 0xd9, mem(3), 0x210);
    expect(cpu.mem.read32(0x210)).toBe(0x3f800001);
    expect(cpu.fpu.status & 0x20).toBe(0x20); // PE
    expect(cpu.fpu.status & 0x200).toBe(0x200); // C1: rounded up
    cpu.mem.write16(0x100, 0x0f7f); // RC = chop
    esc(cpu, 0xd9, mem(5), 0x100);
    esc(cpu, 0xdd, mem(0), 0x200);
    esc(cpu, 0xd9, mem(3), 0x210);
    expect(cpu.mem.read32(0x210)).toBe(0x3f800000);
  });

  it('FILD/FISTP round trip integers and round per RC', () => {
    const cpu = makeCpu();
    esc(cpu, ...FNINIT);
    cpu.mem.write32(0x300, -5 >>> 0);
    esc(cpu, 0xdb, mem(0), 0x300); // FILD dword
    expect(stValue(cpu, 0)).toBe(-5);
    esc(cpu, 0xdf, mem(3), 0x304); // FISTP word
    expect(cpu.mem.read16(0x304)).toBe(0xfffb);
    const cases: [number, number, number][] = [
      [2.5, 0x037f, 2],
      [3.5, 0x037f, 4],
      [-2.7, 0x0f7f, -2],
      [-2.2, 0x077f, -3],
      [2.2, 0x0b7f, 3],
    ];
    for (const [value, control, expected] of cases) {
      cpu.mem.write16(0x100, control);
      esc(cpu, 0xd9, mem(5), 0x100);
      storeDouble(cpu, 0x200, value);
      esc(cpu, 0xdd, mem(0), 0x200);
      esc(cpu, 0xdb, mem(3), 0x308); // FISTP dword
      expect(cpu.mem.read32(0x308) | 0).toBe(expected);
    }
  });

  it('FILD/FISTP m64 keeps all 64 bits', () => {
    const cpu = makeCpu();
    esc(cpu, ...FNINIT);
    cpu.mem.write32(0x300, 0x89abcdef);
    cpu.mem.write32(0x304, 0x81234567);
    esc(cpu, 0xdf, mem(5), 0x300);
    esc(cpu, 0xdf, mem(7), 0x310);
    expect(cpu.mem.read32(0x310)).toBe(0x89abcdef);
    expect(cpu.mem.read32(0x314)).toBe(0x81234567);
  });

  it('FISTP of an out-of-range value stores the integer indefinite and sets IE', () => {
    const cpu = makeCpu();
    esc(cpu, ...FNINIT);
    storeDouble(cpu, 0x200, 40000);
    esc(cpu, 0xdd, mem(0), 0x200);
    esc(cpu, 0xdf, mem(3), 0x304);
    expect(cpu.mem.read16(0x304)).toBe(0x8000);
    expect(cpu.fpu.status & 1).toBe(1);
  });

  it('a ninth push overflows: IE, SF, C1 and the indefinite value', () => {
    const cpu = makeCpu();
    esc(cpu, ...FNINIT);
    for (let i = 0; i < 8; i++) esc(cpu, 0xd9, 0xe8);
    expect(cpu.fpu.status & 0x241).toBe(0);
    esc(cpu, 0xd9, 0xee);
    expect(cpu.fpu.status & 0x241).toBe(0x241);
    expect(Number.isNaN(stValue(cpu, 0))).toBe(true);
  });

  it('FXCH, FST ST(i), FFREE, FCHS move values around the stack', () => {
    const cpu = makeCpu();
    esc(cpu, ...FNINIT);
    esc(cpu, 0xd9, 0xe8); // 1
    esc(cpu, 0xd9, 0xeb); // pi, 1
    esc(cpu, 0xd9, 0xc9); // FXCH ST1: 1, pi
    expect(stValue(cpu, 0)).toBe(1);
    expect(stValue(cpu, 1)).toBe(Math.PI);
    esc(cpu, 0xd9, 0xe0); // FCHS
    expect(stValue(cpu, 0)).toBe(-1);
    esc(cpu, 0xdd, 0xd9); // FSTP ST1: -1
    expect(stValue(cpu, 0)).toBe(-1);
    esc(cpu, 0xdd, 0xc0); // FFREE ST0
    expect(stEmpty(cpu, 0)).toBe(true);
  });
});

describe('exceptions and #NM', () => {
  it('an unmasked exception is reported as #MF by the next waiting instruction', () => {
    const cpu = makeCpu();
    esc(cpu, ...FNINIT);
    cpu.mem.write16(0x100, 0x037e); // unmask IE
    esc(cpu, 0xd9, mem(5), 0x100);
    esc(cpu, 0xdd, mem(3), 0x200); // FSTP of an empty ST0: stack underflow
    expect(cpu.fpu.status & 0x80).toBe(0x80); // ES
    expect(cpu.mem.read32(0x200)).toBe(0); // the store was suppressed
    expect(esc(cpu, 0xdf, 0xe0)).toBe(-1); // FNSTSW does not wait
    expect(esc(cpu, 0xd9, 0xe8)).toBe(VEC_MF);
    expect(catchFault(cpu, () => fwait(cpu))).toBe(VEC_MF);
    esc(cpu, 0xdb, 0xe2); // FNCLEX
    expect(catchFault(cpu, () => fwait(cpu))).toBe(-1);
  });

  it('CR0.TS and CR0.EM raise #NM on ESC; WAIT only with TS and MP', () => {
    const cpu = makeCpu();
    cpu.cr0 |= CR0_TS;
    expect(esc(cpu, ...FNINIT)).toBe(VEC_NM);
    expect(catchFault(cpu, () => fwait(cpu))).toBe(-1);
    cpu.cr0 |= CR0_MP;
    expect(catchFault(cpu, () => fwait(cpu))).toBe(VEC_NM);
    cpu.cr0 = (cpu.cr0 & ~(CR0_TS | CR0_MP)) | CR0_EM;
    expect(esc(cpu, ...FNINIT)).toBe(VEC_NM);
    expect(catchFault(cpu, () => fwait(cpu))).toBe(-1);
  });

  it('out-of-scope instructions (transcendentals, BCD) raise #UD', () => {
    const cpu = makeCpu();
    esc(cpu, ...FNINIT);
    esc(cpu, 0xd9, 0xe8);
    expect(esc(cpu, 0xd9, 0xfe)).toBe(VEC_UD); // FSIN, not FDECSTP
    expect(esc(cpu, 0xd9, 0xf0)).toBe(VEC_UD); // F2XM1
    expect(esc(cpu, 0xdf, mem(4), 0x200)).toBe(VEC_UD); // FBLD
    expect(cpu.fpu.status >>> 11).toBe(7);
  });

  it('FADD/FDIV/FSQRT/FCOMI compute exactly rounded results', () => {
    const cpu = makeCpu();
    esc(cpu, ...FNINIT);
    esc(cpu, 0xd9, 0xe8); // 1
    esc(cpu, 0xd9, 0xe8); // 1, 1
    esc(cpu, 0xd8, 0xc1); // FADD ST0, ST1: 2, 1
    expect(stValue(cpu, 0)).toBe(2);
    esc(cpu, 0xd9, 0xfa); // FSQRT: √2
    expect(stValue(cpu, 0)).toBe(Math.SQRT2);
    expect(cpu.fpu.mantLo[6]).toBe(0xf9de6484); // √2 to 64 bits, rounded to nearest
    esc(cpu, 0xde, 0xf9); // FDIVP ST1, ST0: 1/√2, popped
    expect(stValue(cpu, 0)).toBe(Math.SQRT1_2);
    esc(cpu, 0xd9, 0xe8); // 1, 0.707…
    esc(cpu, 0xdb, 0xf1); // FCOMI ST0, ST1: 1 > 0.707 → ZF=PF=CF=0
    expect(cpu.flags & 0x45).toBe(0);
    esc(cpu, 0xd9, 0xc9); // FXCH
    esc(cpu, 0xdf, 0xf1); // FCOMIP: 0.707 < 1 → CF
    expect(cpu.flags & 0x45).toBe(1);
    expect(stValue(cpu, 0)).toBe(1);
  });
});

describe('state save and restore', () => {
  function fill(cpu: Cpu): void {
    esc(cpu, ...FNINIT);
    esc(cpu, 0xd9, 0xe8);
    esc(cpu, 0xd9, 0xeb);
    esc(cpu, 0xd9, 0xee);
    cpu.mem.write16(0x100, 0x0a7f);
    esc(cpu, 0xd9, mem(5), 0x100);
  }

  it('FNSAVE (32-bit protected layout) stores everything, reinitialises, FRSTOR restores', () => {
    const cpu = makeCpu();
    cpu.cr0 |= 1; // PE: the protected-mode image (segments still flat)
    fill(cpu);
    const tag = cpu.fpu.tag;
    esc(cpu, 0xdd, mem(6), 0x400);
    expect(cpu.mem.read16(0x400)).toBe(0x0a7f);
    expect(cpu.mem.read16(0x404) >>> 11).toBe(5);
    expect(cpu.mem.read16(0x408)).toBe(tag);
    expect(cpu.mem.read32(0x400 + 28 + 10 + 4)).toBe(0xc90fdaa2); // ST1 = pi, high half
    expect(cpu.fpu.control).toBe(0x037f);
    expect(cpu.fpu.tag).toBe(0xffff);
    esc(cpu, 0xdd, mem(4), 0x400);
    expect(cpu.fpu.control).toBe(0x0a7f);
    expect(cpu.fpu.tag).toBe(tag);
    expect(stValue(cpu, 0)).toBe(0);
    expect(stValue(cpu, 1)).toBe(Math.PI);
    expect(stValue(cpu, 2)).toBe(1);
  });

  it('FNSAVE 16-bit real-mode image is 94 bytes with FIP as a linear address', () => {
    const cpu = makeCpu();
    cpu.opsize32 = false;
    cpu.segSelector[1] = 0x1234;
    cpu.instrStart = 0x10;
    fill(cpu);
    cpu.mem.write32(0x400 + 94, 0xdeadbeef);
    esc(cpu, 0xdd, mem(6), 0x400);
    expect(cpu.mem.read16(0x400 + 6)).toBe(0x2350); // (0x1234 << 4) + 0x10, low 16 bits
    expect(cpu.mem.read16(0x400 + 8) >>> 12).toBe(1); // bits 16–19
    expect(cpu.mem.read32(0x400 + 94)).toBe(0xdeadbeef);
    esc(cpu, 0xdd, mem(4), 0x400);
    expect(stValue(cpu, 1)).toBe(Math.PI);
    expect(cpu.fpu.fip).toBe(0x12350);
  });

  it('FXSAVE/FXRSTOR round-trip with the abridged tag; misalignment is #GP(0)', () => {
    const cpu = makeCpu();
    fill(cpu);
    cpu.fpu.mxcsr = 0x1fa0;
    cpu.fpu.xmm[17] = 0x5a;
    const before = { control: cpu.fpu.control, status: cpu.fpu.status, tag: cpu.fpu.tag };
    cpu.eaSegment = DS;
    cpu.eaOffset = 0x808;
    expect(catchFault(cpu, () => fxsave(cpu))).toBe(VEC_GP);
    expect(cpu.faultErrorCode).toBe(0);
    cpu.eaOffset = 0x800;
    expect(catchFault(cpu, () => fxsave(cpu))).toBe(-1);
    expect(cpu.mem.read16(0x804) & 0xff).toBe(0xe0); // R5, R6, R7 in use
    expect(cpu.mem.read32(0x818)).toBe(0x1fa0);
    expect(cpu.mem.read32(0x800 + 32 + 16 + 4)).toBe(0xc90fdaa2);
    expect(cpu.mem.read8(0x800 + 160 + 17)).toBe(0x5a);
    fpuReset(cpu);
    expect(catchFault(cpu, () => fxrstor(cpu))).toBe(-1);
    expect({ control: cpu.fpu.control, status: cpu.fpu.status, tag: cpu.fpu.tag }).toEqual(before);
    expect(stValue(cpu, 1)).toBe(Math.PI);
    expect(cpu.fpu.xmm[17]).toBe(0x5a);
    cpu.mem.write32(0x818, 0x10000); // reserved MXCSR bit
    expect(catchFault(cpu, () => fxrstor(cpu))).toBe(VEC_GP);
  });

  it('FXSAVE: #UD with CR0.EM, #NM with CR0.TS', () => {
    const cpu = makeCpu();
    cpu.eaSegment = DS;
    cpu.eaOffset = 0x800;
    cpu.cr0 |= CR0_TS;
    expect(catchFault(cpu, () => fxsave(cpu))).toBe(VEC_NM);
    cpu.cr0 |= CR0_EM;
    expect(catchFault(cpu, () => fxrstor(cpu))).toBe(VEC_UD);
  });
});

describe('x87 through the decoder and run loop', () => {
  /** Runs `bytes` at 0x1000 in flat protected mode, PV host mode; returns the machine. */
  function runProgram(bytes: number[], cr0Bits = 0): Machine {
    const m = new Machine({ memoryBytes: 0x10000 });
    const cpu = m.cpus[0]!;
    enterFlatProtectedMode(cpu);
    cpu.hostMode = HostMode.Pv;
    cpu.cr0 |= cr0Bits;
    cpu.reg32[4] = 0x8000;
    m.mem.writeBytes(0x1000, Uint8Array.from(bytes));
    cpu.eip = 0x1000;
    return m;
  }

  it('FNINIT; FLD1; FXSAVE [0x2000]; FWAIT; HLT saves the pushed 1.0', () => {
    // db e3 / d9 e8 / 0f ae 05 00 20 00 00 / 9b / f4
    const m = runProgram([0xdb, 0xe3, 0xd9, 0xe8, 0x0f, 0xae, 0x05, 0x00, 0x20, 0, 0, 0x9b, 0xf4]);
    expect(m.run(100)).toBe(ExitReason.Hlt);
    expect(m.mem.read16(0x2000)).toBe(0x037f);
    expect(m.mem.read16(0x2002) >>> 11).toBe(7);
    expect(m.mem.read8(0x2004)).toBe(0x80); // R7 in use
    expect(m.mem.read32(0x2000 + 32 + 4)).toBe(0x80000000);
    expect(m.mem.read16(0x2000 + 32 + 8)).toBe(0x3fff);
  });

  it('with CR0.TS set the first x87 instruction exits as #NM before executing', () => {
    const m = runProgram([0xdb, 0xe3, 0xf4], CR0_TS);
    expect(m.run(100)).toBe(ExitReason.HostTrap);
    const cpu = m.cpus[0]!;
    expect(cpu.exitVector).toBe(VEC_NM);
    expect(cpu.eip).toBe(0x1000);
    expect(cpu.fpu.control).toBe(0x0040); // still the reset value: FNINIT did not run
  });
});
