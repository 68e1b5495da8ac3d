// Moves, stack, control transfer, strings and I/O, with hand-encoded 32-bit code.
import { describe, expect, it } from 'vitest';
import {
  EAX,
  EBP,
  EBX,
  ECX,
  EDI,
  EDX,
  ESI,
  ESP,
  ExitReason,
  FLAG_CF,
  FLAG_DF,
  FLAG_ZF,
  VEC_BR,
  VEC_GP,
  VEC_UD,
} from '../cpu.ts';
import { CODE, DATA, exec, flags, flatCpu, le32, STACK_TOP, setFlags } from './testing.ts';

describe('moves', () => {
  it('MOVZX/MOVSX from bytes and words', () => {
    const cpu = flatCpu();
    cpu.reg32[EBX] = 0x8081;
    exec(cpu, [0x0f, 0xb6, 0xc3, 0x0f, 0xbf, 0xcb]); // movzx eax, bl ; movsx ecx, bx
    expect(cpu.reg32[EAX]).toBe(0x81);
    expect(cpu.reg32[ECX]! >>> 0).toBe(0xffff8081);
  });

  it('MOV with SIB addressing and a moffs form', () => {
    const cpu = flatCpu();
    cpu.reg32[EBX] = DATA;
    cpu.reg32[ECX] = 3;
    cpu.reg32[EDX] = 0x55667788;
    exec(cpu, [0x89, 0x54, 0x8b, 0x04]); // mov [ebx+ecx*4+4], edx
    expect(cpu.mem.read32(DATA + 16)).toBe(0x55667788);
    exec(cpu, [0xa1, ...le32(DATA + 16)]); // mov eax, [DATA+16]
    expect(cpu.reg32[EAX]).toBe(0x55667788);
    exec(cpu, [0x8d, 0x44, 0x4b, 0xfe]); // lea eax, [ebx+ecx*2-2]
    expect(cpu.reg32[EAX]).toBe(DATA + 4);
  });

  it('CMOVcc moves only when the condition holds; SETcc writes 0/1', () => {
    const cpu = flatCpu();
    cpu.reg32[EAX] = 1;
    cpu.reg32[EBX] = 2;
    cpu.reg32[ECX] = 3;
    // cmp eax, ebx ; cmovl eax, ecx ; setg dl ; setl dh
    exec(cpu, [0x39, 0xd8, 0x0f, 0x4c, 0xc1, 0x0f, 0x9f, 0xc2, 0x0f, 0x9c, 0xc6]);
    expect(cpu.reg32[EAX]).toBe(3);
    expect(cpu.reg16[EDX << 1]).toBe(0x0100);
    // cmp eax, ecx (equal) ; cmovne eax, ebx ; cmova ... setbe cl
    exec(cpu, [0x39, 0xc8, 0x0f, 0x45, 0xc3, 0x0f, 0x96, 0xc1]);
    expect(cpu.reg32[EAX]).toBe(3);
    expect(cpu.reg8[ECX << 2]).toBe(1);
  });

  it('XCHG, XLAT, LAHF/SAHF', () => {
    const cpu = flatCpu();
    cpu.reg32[EAX] = 1;
    cpu.reg32[EBX] = DATA;
    cpu.mem.write8(DATA + 1, 0x42);
    exec(cpu, [0xd7]); // xlatb
    expect(cpu.reg8[0]).toBe(0x42);
    cpu.reg32[ECX] = 7;
    exec(cpu, [0x91]); // xchg eax, ecx
    expect([cpu.reg32[EAX], cpu.reg32[ECX]]).toEqual([7, 0x42]);
    setFlags(cpu, FLAG_CF | FLAG_ZF);
    exec(cpu, [0x9f]); // lahf
    expect(cpu.reg8[1]).toBe(0x43);
    cpu.reg8[1] = 0;
    exec(cpu, [0x9e]); // sahf
    expect(flags(cpu) & (FLAG_CF | FLAG_ZF)).toBe(0);
  });
});

describe('stack', () => {
  it('PUSH/POP registers, immediates and memory; POP ESP-relative uses the new ESP', () => {
    const cpu = flatCpu();
    cpu.reg32[EAX] = 0x11;
    exec(cpu, [0x50, 0x6a, 0xfe, 0x68, ...le32(0x12345678), 0x5b, 0x59, 0x5a]);
    expect(cpu.reg32[EBX]).toBe(0x12345678);
    expect(cpu.reg32[ECX]).toBe(-2);
    expect(cpu.reg32[EDX]).toBe(0x11);
    expect(cpu.reg32[ESP]).toBe(STACK_TOP);
    cpu.reg32[EAX] = 0x77;
    // push eax ; push eax ; pop dword [esp] → stores into the slot the first push made
    exec(cpu, [0x50, 0x6a, 0x00, 0x8f, 0x04, 0x24]);
    expect(cpu.reg32[ESP]).toBe(STACK_TOP - 4);
    expect(cpu.mem.read32(STACK_TOP - 4)).toBe(0);
  });

  it('PUSH ESP pushes the value before the push; PUSHAD/POPAD round-trip', () => {
    const cpu = flatCpu();
    exec(cpu, [0x54, 0x58]); // push esp ; pop eax
    expect(cpu.reg32[EAX]).toBe(STACK_TOP);
    for (let r = 0; r < 8; r++) if (r !== ESP) cpu.reg32[r] = r * 0x101;
    exec(cpu, [0x60, 0x31, 0xc0, 0x31, 0xf6, 0x61]); // pushad ; xor eax,eax ; xor esi,esi ; popad
    expect(cpu.reg32[EAX]).toBe(0);
    expect(cpu.reg32[ESI]).toBe(6 * 0x101);
    expect(cpu.reg32[ESP]).toBe(STACK_TOP);
    expect(cpu.mem.read32(STACK_TOP - 20)).toBe(STACK_TOP); // the saved ESP slot
  });

  it('PUSHFD/POPFD; ENTER with nesting and LEAVE', () => {
    const cpu = flatCpu();
    setFlags(cpu, FLAG_CF);
    exec(cpu, [0x9c, 0x58]); // pushfd ; pop eax
    expect(cpu.reg32[EAX]! & 0x3).toBe(0x3);
    cpu.reg32[EBP] = 0x7000;
    cpu.mem.write32(0x7000 - 4, 0xaaaa);
    exec(cpu, [0xc8, 0x10, 0x00, 0x02]); // enter 16, 2
    expect(cpu.reg32[EBP]).toBe(STACK_TOP - 4);
    expect(cpu.mem.read32(STACK_TOP - 4)).toBe(0x7000); // old EBP
    expect(cpu.mem.read32(STACK_TOP - 8)).toBe(0xaaaa); // copied frame pointer
    expect(cpu.mem.read32(STACK_TOP - 12)).toBe(STACK_TOP - 4); // this frame
    expect(cpu.reg32[ESP]).toBe(STACK_TOP - 12 - 16);
    exec(cpu, [0xc9]); // leave
    expect(cpu.reg32[ESP]).toBe(STACK_TOP);
    expect(cpu.reg32[EBP]).toBe(0x7000);
  });
});

describe('control transfer', () => {
  it('CALL/RET near, Jcc, LOOP, JECXZ', () => {
    const cpu = flatCpu();
    // call +2 ; hlt-skipping: 0: e8 01 00 00 00 ; 5: f4 ; 6: 40 (inc eax) ; 7: c3
    cpu.reg32[EAX] = 0;
    cpu.mem.ram.set([0xe8, 0x01, 0x00, 0x00, 0x00, 0xf4, 0x40, 0xc3], CODE);
    cpu.eip = CODE;
    exec(cpu, [0xe8, 0x01, 0x00, 0x00, 0x00, 0xf4, 0x40, 0xc3]);
    expect(cpu.reg32[EAX]).toBe(1);
    expect(cpu.eip).toBe(CODE + 6);
    // mov ecx, 5 ; l: inc edx ; loop l
    cpu.reg32[EDX] = 0;
    exec(cpu, [0xb9, ...le32(5), 0x42, 0xe2, 0xfd]);
    expect(cpu.reg32[EDX]).toBe(5);
    expect(cpu.reg32[ECX]).toBe(0);
    // jecxz +1 ; inc edx ; (ecx = 0: skipped)
    exec(cpu, [0xe3, 0x01, 0x42]);
    expect(cpu.reg32[EDX]).toBe(5);
    // cmp edx, 5 ; jne near +1 ; inc edx
    exec(cpu, [0x83, 0xfa, 0x05, 0x0f, 0x85, ...le32(1), 0x42]);
    expect(cpu.reg32[EDX]).toBe(6);
  });

  it('BOUND raises #BR outside the bounds; UD2 raises #UD', () => {
    const cpu = flatCpu();
    cpu.mem.write32(DATA, 10);
    cpu.mem.write32(DATA + 4, 20);
    cpu.reg32[EBX] = DATA;
    cpu.reg32[EAX] = 15;
    expect(exec(cpu, [0x62, 0x03])).toBe(ExitReason.Hlt);
    cpu.reg32[EAX] = 21;
    expect(exec(cpu, [0x62, 0x03])).toBe(ExitReason.HostTrap);
    expect(cpu.exitVector).toBe(VEC_BR);
    expect(exec(cpu, [0x0f, 0x0b])).toBe(ExitReason.HostTrap);
    expect(cpu.exitVector).toBe(VEC_UD);
  });

  it('a near jump beyond the CS limit is #GP(0) at the jump', () => {
    const cpu = flatCpu();
    cpu.segLimit[1] = 0xffff;
    expect(exec(cpu, [0xe9, ...le32(0x20000)])).toBe(ExitReason.HostTrap);
    expect(cpu.exitVector).toBe(VEC_GP);
    expect(cpu.eip).toBe(CODE);
  });
});

describe('string instructions', () => {
  it('REP MOVSD copies ECX dwords and leaves the registers advanced', () => {
    const cpu = flatCpu();
    for (let i = 0; i < 4; i++) cpu.mem.write32(DATA + 4 * i, i + 1);
    cpu.reg32[ESI] = DATA;
    cpu.reg32[EDI] = DATA + 0x100;
    cpu.reg32[ECX] = 4;
    exec(cpu, [0xf3, 0xa5]);
    expect([0, 1, 2, 3].map((i) => cpu.mem.read32(DATA + 0x100 + 4 * i))).toEqual([1, 2, 3, 4]);
    expect([cpu.reg32[ECX], cpu.reg32[ESI], cpu.reg32[EDI]]).toEqual([0, DATA + 16, DATA + 0x110]);
  });

  it('STD makes STOSB go down; REPNE SCASB stops at the match; REPE CMPSB at a difference', () => {
    const cpu = flatCpu();
    cpu.reg32[EAX] = 0x5a;
    cpu.reg32[EDI] = DATA + 3;
    cpu.reg32[ECX] = 4;
    exec(cpu, [0xfd, 0xf3, 0xaa, 0xfc]); // std ; rep stosb ; cld
    expect(cpu.mem.read32(DATA)).toBe(0x5a5a5a5a);
    expect(cpu.reg32[EDI]).toBe(DATA - 1);
    expect(flags(cpu) & FLAG_DF).toBe(0);
    cpu.mem.writeBytes(DATA, new Uint8Array([1, 2, 3, 4, 5]));
    cpu.reg32[EAX] = 3;
    cpu.reg32[EDI] = DATA;
    cpu.reg32[ECX] = 5;
    exec(cpu, [0xf2, 0xae]); // repne scasb
    expect(cpu.reg32[EDI]).toBe(DATA + 3);
    expect(cpu.reg32[ECX]).toBe(2);
    expect(flags(cpu) & FLAG_ZF).toBe(FLAG_ZF);
    cpu.mem.writeBytes(DATA + 0x10, new Uint8Array([1, 2, 9, 4]));
    cpu.reg32[ESI] = DATA;
    cpu.reg32[EDI] = DATA + 0x10;
    cpu.reg32[ECX] = 4;
    exec(cpu, [0xf3, 0xa6]); // repe cmpsb
    expect(cpu.reg32[ECX]).toBe(1);
    expect(cpu.reg32[ESI]).toBe(DATA + 3);
    expect(flags(cpu) & (FLAG_ZF | FLAG_CF)).toBe(FLAG_CF);
  });

  it('REP MOVSB onto the next byte repeats the first byte, as element by element does', () => {
    const cpu = flatCpu();
    cpu.mem.writeBytes(DATA, new Uint8Array([7, 1, 2, 3, 4, 5, 6, 8]));
    cpu.reg32[ESI] = DATA;
    cpu.reg32[EDI] = DATA + 1;
    cpu.reg32[ECX] = 6;
    exec(cpu, [0xf3, 0xa4]); // rep movsb
    expect([...cpu.mem.ram.subarray(DATA, DATA + 8)]).toEqual([7, 7, 7, 7, 7, 7, 7, 8]);
    expect([cpu.reg32[ECX], cpu.reg32[ESI], cpu.reg32[EDI]]).toEqual([0, DATA + 6, DATA + 7]);
    // Onto lower addresses the forward copy is a plain move, even overlapping.
    for (let i = 0; i < 8; i++) cpu.mem.write32(DATA + 0x20 + 4 * i, i + 1);
    cpu.reg32[ESI] = DATA + 0x20;
    cpu.reg32[EDI] = DATA + 0x10;
    cpu.reg32[ECX] = 8;
    exec(cpu, [0xf3, 0xa5]); // rep movsd
    const moved = Array.from({ length: 8 }, (_, i) => cpu.mem.read32(DATA + 0x10 + 4 * i));
    expect(moved).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('REP MOVSD and REP STOSD across page boundaries, misaligned, move every element', () => {
    const cpu = flatCpu();
    for (let i = 0; i < 0x1800; i++) cpu.mem.ram[DATA + i] = i * 7;
    const expected = cpu.mem.ram.slice(DATA + 2, DATA + 2 + 0x1400);
    cpu.reg32[ESI] = DATA + 2;
    cpu.reg32[EDI] = DATA + 0x4ffe;
    cpu.reg32[ECX] = 0x500;
    exec(cpu, [0xf3, 0xa5]); // rep movsd
    expect(cpu.mem.ram.slice(DATA + 0x4ffe, DATA + 0x4ffe + 0x1400)).toEqual(expected);
    expect([cpu.reg32[ECX], cpu.reg32[ESI], cpu.reg32[EDI]]).toEqual([
      0,
      DATA + 2 + 0x1400,
      DATA + 0x4ffe + 0x1400,
    ]);
    cpu.reg32[EAX] = 0x11223344;
    cpu.reg32[EDI] = DATA + 0xff8;
    cpu.reg32[ECX] = 4;
    exec(cpu, [0xf3, 0xab]); // rep stosd
    expect([cpu.mem.read32(DATA + 0xff8), cpu.mem.read32(DATA + 0x1004)]).toEqual([
      0x11223344, 0x11223344,
    ]);
    expect(cpu.reg32[EDI]).toBe(DATA + 0x1008);
  });

  it('REP STOSD that runs past the ES limit stops with the elements before the fault done', () => {
    const cpu = flatCpu();
    cpu.segLimit[0] = DATA + 0x0f; // ES ends after four dwords
    cpu.reg32[EAX] = 0xa5a5a5a5;
    cpu.reg32[EDI] = DATA;
    cpu.reg32[ECX] = 8;
    expect(exec(cpu, [0xf3, 0xab])).toBe(ExitReason.HostTrap); // rep stosd
    expect(cpu.exitVector).toBe(VEC_GP);
    expect([cpu.reg32[ECX], cpu.reg32[EDI], cpu.eip]).toEqual([4, DATA + 16, CODE]);
    expect(cpu.mem.read32(DATA + 12)).toBe(0xa5a5a5a5);
    expect(cpu.mem.read32(DATA + 16)).toBe(0);
  });

  it('LODSW with a 16-bit operand size and a segment override', () => {
    const cpu = flatCpu();
    cpu.segBase[4] = 0x100; // FS
    cpu.mem.write16(DATA + 0x100, 0xbeef);
    cpu.reg32[ESI] = DATA;
    exec(cpu, [0x64, 0x66, 0xad]); // lodsw fs:
    expect(cpu.reg16[0]).toBe(0xbeef);
    expect(cpu.reg32[ESI]).toBe(DATA + 2);
  });
});

describe('port I/O', () => {
  it('IN/OUT reach cpu.io; unclaimed reads float high', () => {
    const cpu = flatCpu();
    exec(cpu, [0xe4, 0x60]); // in al, 0x60
    expect(cpu.reg8[0]).toBe(0xff);
    const writes: number[][] = [];
    cpu.io = {
      read: (port, size) => port + size,
      write: (port, size, value) => writes.push([port, size, value]),
    };
    cpu.reg32[EDX] = 0x3f8;
    cpu.reg32[EAX] = 0x41;
    exec(cpu, [0xee, 0xed]); // out dx, al ; in eax, dx
    expect(writes).toEqual([[0x3f8, 1, 0x41]]);
    expect(cpu.reg32[EAX]).toBe(0x3f8 + 4);
  });

  it('a host-claimed port ends run() with ExitReason.Io after the instruction', () => {
    const cpu = flatCpu();
    cpu.hostPorts[0xe9] = 1;
    cpu.reg32[EAX] = 0x21;
    expect(exec(cpu, [0xe6, 0xe9, 0x40])).toBe(ExitReason.Io); // out 0xe9, al ; inc eax
    expect([cpu.exitPort, cpu.exitSize, cpu.exitWrite, cpu.exitValue]).toEqual([
      0xe9,
      1,
      true,
      0x21,
    ]);
    expect(cpu.eip).toBe(CODE + 2);
    expect(exec(cpu, [0xe5, 0xe9])).toBe(ExitReason.Io); // in eax, 0xe9
    expect([cpu.exitSize, cpu.exitWrite]).toEqual([4, false]);
    expect(cpu.reg32[EAX]).toBe(0x21);
  });

  it('CPUID reports GenuineIntel and the i686 features', () => {
    const cpu = flatCpu();
    cpu.reg32[EAX] = 0;
    exec(cpu, [0x0f, 0xa2]);
    const vendor = [EBX, EDX, ECX]
      .map((r) => String.fromCharCode(...new Uint8Array(new Int32Array([cpu.reg32[r]!]).buffer)))
      .join('');
    expect(vendor).toBe('GenuineIntel');
    cpu.reg32[EAX] = 1;
    exec(cpu, [0x0f, 0xa2]);
    expect(cpu.reg32[EDX]! & (1 << 15)).toBe(1 << 15); // CMOV
    expect(cpu.reg32[EDX]! & (1 << 8)).toBe(1 << 8); // CX8
  });
});

describe('single-step trap', () => {
  it('TF set before an instruction raises #DB after it, with DR6.BS', () => {
    const cpu = flatCpu();
    setFlags(cpu, 1 << 8); // TF
    expect(exec(cpu, [0x40, 0x40])).toBe(ExitReason.HostTrap); // inc eax ; inc eax
    expect(cpu.exitVector).toBe(1);
    expect(cpu.eip).toBe(CODE + 1);
    expect(cpu.reg32[EAX]).toBe(1);
    expect(cpu.dr[6]! & (1 << 14)).toBe(1 << 14);
  });
});

describe('POPF privilege rules', () => {
  it('at CPL 1 with IOPL 0, POPF silently keeps IF and IOPL but loads CF', () => {
    const cpu = flatCpu();
    cpu.cpl = 1;
    setFlags(cpu, 0); // IF = 0, IOPL = 0
    cpu.mem.write32(STACK_TOP - 4, 0x3200 | FLAG_CF); // IF, IOPL 3, CF
    cpu.reg32[ESP] = STACK_TOP - 4;
    // popfd, then the HLT after it faults at CPL 1 (#GP): the run ends with a host trap.
    expect(exec(cpu, [0x9d])).toBe(ExitReason.HostTrap);
    expect(cpu.exitVector).toBe(VEC_GP);
    expect(flags(cpu) & (0x200 | 0x3000 | FLAG_CF)).toBe(FLAG_CF);
    expect(cpu.reg32[ESP]).toBe(STACK_TOP);
  });
});
