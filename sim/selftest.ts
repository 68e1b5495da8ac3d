// The sim's self-test for `xenlab check-setup`: a tiny fixed program on a one-CPU machine whose
// every observable result is known in advance — the sum it computes, what it prints on the debug
// console, how it stops, and how many instructions (so how much virtual time) it took.

import { ExitReason } from './cpu/cpu.ts';
import { enterFlatProtectedMode, Machine } from './machine.ts';

/**
 * The program, in flat 32-bit protected mode at PROGRAM_ADDR:
 *
 *       mov ecx, 100
 *       xor eax, eax
 *   l:  add eax, ecx
 *       dec ecx
 *       jnz l
 *       mov [RESULT_ADDR], eax     ; 5050
 *       mov al, 'o'
 *       out 0xe9, al
 *       mov al, 'k'
 *       out 0xe9, al
 *       hlt
 */
// biome-ignore format: one instruction per line
const PROGRAM = Uint8Array.of(
  0xb9, 0x64, 0x00, 0x00, 0x00,
  0x31, 0xc0,
  0x01, 0xc8,
  0x49,
  0x75, 0xfb,
  0xa3, 0x00, 0x20, 0x00, 0x00,
  0xb0, 0x6f,
  0xe6, 0xe9,
  0xb0, 0x6b,
  0xe6, 0xe9,
  0xf4,
);
const PROGRAM_ADDR = 0x1000;
const RESULT_ADDR = 0x2000;
/** 2 set-up instructions, 100 × 3 in the loop, 1 store, 4 for the output, HLT. */
const EXPECTED_INSTRUCTIONS = 2 + 300 + 1 + 4 + 1;

export interface SelfTestResult {
  ok: boolean;
  detail: string;
}

/** Runs the self-test program; never throws (a crash is reported as a failed result). */
export function runSelfTest(): SelfTestResult {
  try {
    const machine = new Machine({ memoryBytes: 64 * 1024 });
    const cpu = machine.cpus[0]!;
    enterFlatProtectedMode(cpu);
    machine.mem.writeBytes(PROGRAM_ADDR, PROGRAM);
    cpu.eip = PROGRAM_ADDR;
    cpu.reg32[4] = 0x8000;
    const exit = machine.run(10_000);
    const sum = machine.mem.read32(RESULT_ADDR);
    const output = machine.debugConsole.text();
    const problems: string[] = [];
    if (exit !== ExitReason.Hlt) problems.push(`stopped with ${ExitReason[exit]}, not Hlt`);
    if (sum !== 5050) problems.push(`computed ${sum}, not 5050`);
    if (output !== 'ok') problems.push(`printed ${JSON.stringify(output)}, not "ok"`);
    if (cpu.instructions !== EXPECTED_INSTRUCTIONS) {
      problems.push(`ran ${cpu.instructions} instructions, not ${EXPECTED_INSTRUCTIONS}`);
    }
    if (problems.length > 0) return { ok: false, detail: problems.join('; ') };
    return {
      ok: true,
      detail: `sum 1..100 = ${sum}, console "${output}", ${cpu.instructions} instructions`,
    };
  } catch (e) {
    return { ok: false, detail: `the sim crashed: ${e instanceof Error ? e.message : String(e)}` };
  }
}
