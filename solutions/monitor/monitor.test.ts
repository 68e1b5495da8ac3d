// xenlab: file from 01
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assemble, ExitReason, FLAG_IF, getEflags, run } from '../../sim/host.ts';
import { asmSourcesUnder } from '../../tools/asm-sources.ts';
import {
  buildProgram,
  createVm,
  findSensitive,
  HALTED,
  HOST_GDT,
  INT3,
  NOP,
  rewrite,
  runGuestProgram,
  runProgram,
  SENSITIVE_FORMS,
} from './index.ts';

const guests = asmSourcesUnder(join(import.meta.dirname, '..', 'guests'));

function code(source: string): Uint8Array {
  const result = assemble(`bits 32\n${source}`, {});
  if (!result.ok) throw new Error(result.errors.map((e) => e.reason).join('\n'));
  return result.bytes;
}

describe('the sensitive forms', () => {
  const samples = [
    'pushfd',
    'popfd',
    'iretd',
    'sgdt [eax]',
    'sidt [0x40]',
    'sldt eax',
    'str word [ebx]',
    'smsw eax',
    'lar eax, ecx',
    'lsl ebx, [eax]',
    'verr ax',
    'verw [esi]',
    'push cs',
    'push ss',
    'pop ds',
    'pop gs',
    'mov ax, cs',
    'mov [eax], ss',
    'mov ds, ax',
    'mov fs, [ebx]',
    'call 0x8:0x1234',
    'call far [eax]',
    'jmp 0x10:0',
    'jmp far [ebx+4]',
    'retf',
    'retf 8',
    'int 0x80',
  ];
  it('every sample is found, with its length, and every form has a sample', () => {
    const used = new Set<string>();
    for (const sample of samples) {
      const bytes = code(sample);
      const found = findSensitive(bytes, 0x1000);
      expect(found, sample).toHaveLength(1);
      expect(found[0]).toMatchObject({ address: 0x1000, length: bytes.length });
      used.add(SENSITIVE_FORMS.find((f) => f.pattern.test(found[0]!.text))!.reason);
    }
    expect(used.size).toBe(new Set(SENSITIVE_FORMS.map((f) => f.reason)).size);
  });

  it('ordinary and privileged instructions are not, even with sensitive opcodes inside', () => {
    const ordinary = [
      'mov eax, 0x9d9c010f', // the bytes 0F 01 (SGDT's opcode) and 9C 9D (PUSHF, POPF)
      'add ebx, 0xcf0e',
      'push eax',
      'pop ecx',
      'mov eax, ebx',
      'cli',
      'sti',
      'lgdt [eax]',
      'hlt',
      'out 0xe9, al',
      'call 0x1000',
      'ret',
      'int3',
    ];
    expect(findSensitive(code(ordinary.join('\n')))).toEqual([]);
  });
});

describe('the x86 problem on our CPU, without a monitor', () => {
  it('POPF in ring 1 leaves IF as it was, without a trap', () => {
    const vm = createVm(code('push dword 0x2\npopfd\nnop\nhlt'), { ring: 1 });
    expect(getEflags(vm.cpu) & FLAG_IF).toBe(FLAG_IF);
    expect(run(vm.cpu, 3)).toBe(ExitReason.Fuel); // push, popf, nop: no exit
    expect(getEflags(vm.cpu) & FLAG_IF).toBe(FLAG_IF);
  });

  it('SGDT in ring 3 stores the host GDT base, without a trap', () => {
    const vm = createVm(code('sgdt [0x100]\nnop'), { ring: 3 });
    expect(run(vm.cpu, 2)).toBe(ExitReason.Fuel);
    expect(vm.cpu.mem.read32(0x102)).toBe(HOST_GDT);
  });

  it('CLI in ring 1 traps (#GP) to the monitor, with EIP at the CLI', () => {
    const vm = createVm(code('nop\ncli'), { ring: 1 });
    expect(run(vm.cpu, 5)).toBe(ExitReason.HostTrap);
    expect([vm.cpu.exitVector, vm.cpu.eip]).toEqual([13, 1]);
  });
});

describe('rewrite', () => {
  it('keeps every length and address, INT3 then NOPs at each site', () => {
    const original = code('mov eax, 1\npushfd\nsgdt [eax+0x10]\ninc eax\npopfd\nmov ax, cs');
    const { code: patched, patches } = rewrite(original, 0x400);
    expect(patched.length).toBe(original.length);
    expect([...patches.keys()]).toEqual([0x405, 0x406, 0x40b, 0x40c]);
    // sgdt [eax+0x10] (4 bytes), then inc eax (0x40) untouched
    expect(Array.from(patched.subarray(6, 11))).toEqual([INT3, NOP, NOP, NOP, 0x40]);
    expect(Array.from(patches.get(0x406)!.bytes)).toEqual([0x0f, 0x01, 0x40, 0x10]);
    expect(original[5]).toBe(0x9c); // the input is left alone
  });
});

describe('the monitor', () => {
  it('popf-guard: correct bare, interrupted in ring 1, correct again rewritten', () => {
    const [bare, trap, rewritten] = (['bare', 'trap', 'rewrite'] as const).map((mode) =>
      runGuestProgram('popf-guard.asm', mode, guests),
    );
    for (const vm of [bare!, trap!, rewritten!]) expect(vm.stopped).toBe(HALTED);
    expect(bare!.console).toContain('critical section with IF=0: not interrupted\n');
    expect(trap!.console).toMatch(/critical section with IF=0: interrupted [1-9]\d* times\n/);
    expect(rewritten!.console).toBe(bare!.console);
    expect(trap!.trapCounts.get('popf')).toBeUndefined();
    expect(rewritten!.trapCounts.get('popf')).toBe(2);
  });

  it('x86-problem: ring 1 sees the host, rewritten sees its own virtual CPU', () => {
    const bare = runGuestProgram('x86-problem.asm', 'bare', guests);
    const trap = runGuestProgram('x86-problem.asm', 'trap', guests);
    const rewritten = runGuestProgram('x86-problem.asm', 'rewrite', guests);
    expect(trap.console).toContain(`sgdt: GDT base 0x000${HOST_GDT.toString(16)}`);
    expect(trap.console).toContain('pushf after cli: IF=1');
    expect(rewritten.console).toBe(bare.console);
    expect(bare.console).toContain('pushf after cli: IF=0');
  });

  it('stops, saying why, on a sensitive instruction it cannot emulate', () => {
    const program = buildProgram('t.asm', { 't.asm': 'bits 32\nnop\nlar eax, ecx\nhlt\n' });
    const vm = runProgram(program, 'rewrite', { fuel: 100 });
    expect(vm.stopped).toBe("cannot emulate 'lar eax,cx' at 0x00000001");
    expect(vm.cpu.eip).toBe(1);
  });

  it('stops a guest whose emulated store leaves its memory', () => {
    const program = buildProgram('t.asm', { 't.asm': 'bits 32\nsgdt [0xfffe]\nhlt\n' });
    const vm = runProgram(program, 'rewrite', { fuel: 100 });
    expect(vm.stopped).toMatch(
      /^guest fault: address 0x00010000 outside the guest in 'sgdt \[0xfffe\]'/,
    );
  });
});
