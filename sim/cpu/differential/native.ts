// The native half of the host-differential tier (Node only): builds every case into one 32-bit
// Linux program with nasm and gcc -m32, runs it on the host CPU and parses what it prints. It also
// assembles the same snippets for the sim with `nasm -f bin`, so both run identical bytes.
//
// The harness loads the case's registers and EFLAGS, jumps to the snippet, and stores registers,
// EFLAGS and the scratch buffer after it. The scratch buffer sits at the fixed address
// SCRATCH_ADDR in both worlds (mmap MAP_FIXED natively), so pointers compare directly.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CASE_REGS, type Case, SCRATCH_BYTES } from './cases.ts';

/** Where the scratch buffer lives, natively and in the sim. */
export const SCRATCH_ADDR = 0x00100000;
/** Where the sim loads the snippets (above the scratch page), and the space for each one. */
export const CODE_ADDR = 0x00200000;
export const CODE_SLOT = 256;

export interface Outcome {
  /** Registers after the snippet, in CASE_REGS order. */
  regs: number[];
  flags: number;
  memory: Uint8Array;
  /** Set when the snippet did not run to its end (a fault, a wrong exit). */
  error?: string;
}

/** Why the tier cannot run here, or null when nasm and a 32-bit gcc both work. */
export function missingTools(): string | null {
  const dir = mkdtempSync(join(tmpdir(), 'xenlab-diff-probe-'));
  try {
    execFileSync('nasm', ['-v'], { stdio: 'ignore' });
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return 'nasm is not installed (apt-get install nasm)';
  }
  try {
    writeFileSync(join(dir, 'p.c'), 'int main(void) { return 0; }\n');
    execFileSync('gcc', ['-m32', join(dir, 'p.c'), '-o', join(dir, 'p')], { stdio: 'ignore' });
    execFileSync(join(dir, 'p'), { stdio: 'ignore' });
    return null;
  } catch {
    return 'gcc -m32 cannot build 32-bit programs (apt-get install gcc-multilib)';
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const HARNESS = `bits 32
%define BUF ${SCRATCH_ADDR}
section .bss
saved_esp: resd 1
io_ptr: resd 1
entry: resd 1
section .text
global run_case
; void run_case(void *entry, uint32_t io[16]): io[0..6] registers in (${CASE_REGS.join(' ')}),
; io[7] EFLAGS in; io[8..14] registers out, io[15] EFLAGS out.
run_case:
  push ebp
  mov ebp, esp
  pushad
  mov [saved_esp], esp
  mov eax, [ebp + 8]
  mov [entry], eax
  mov ebx, [ebp + 12]
  mov [io_ptr], ebx
  mov eax, [ebx + 28]
  or eax, 2
  push eax
  popfd
  mov eax, [ebx + 0]
  mov ecx, [ebx + 4]
  mov edx, [ebx + 8]
  mov ebp, [ebx + 16]
  mov esi, [ebx + 20]
  mov edi, [ebx + 24]
  mov ebx, [ebx + 12]
  jmp [entry]
case_done:
  pushfd
  push ebx
  mov ebx, [io_ptr]
  mov [ebx + 32], eax
  mov [ebx + 36], ecx
  mov [ebx + 40], edx
  pop dword [ebx + 44]
  mov [ebx + 48], ebp
  mov [ebx + 52], esi
  mov [ebx + 56], edi
  pop dword [ebx + 60]
  cld
  mov esp, [saved_esp]
  popad
  pop ebp
  ret
`;

function hexBytes(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => `0x${b.toString(16)}`).join(',');
}

function driver(cases: readonly Case[]): string {
  const inputs = cases.map((c) => `{${[...c.regs, c.flags].map((v) => `${v >>> 0}u`).join(',')}}`);
  const memory = cases.map((c) => `{${hexBytes(c.memory)}}`);
  return `#include <stdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
extern void *case_table[];
extern void run_case(void *entry, uint32_t *io);
static const uint32_t inputs[][8] = {${inputs.join(',\n')}};
static const uint8_t memory[][${SCRATCH_BYTES}] = {${memory.join(',\n')}};
int main(void) {
  uint8_t *scratch = mmap((void *)${SCRATCH_ADDR}, 4096, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  if (scratch == MAP_FAILED) { perror("mmap"); return 1; }
  for (int i = 0; i < ${cases.length}; i++) {
    uint32_t io[16];
    memcpy(io, inputs[i], sizeof inputs[i]);
    memcpy(scratch, memory[i], ${SCRATCH_BYTES});
    run_case(case_table[i], io);
    printf("%d", i);
    for (int r = 8; r < 16; r++) printf(" %08x", io[r]);
    printf(" ");
    for (int b = 0; b < ${SCRATCH_BYTES}; b++) printf("%02x", scratch[b]);
    printf("\\n");
  }
  return 0;
}
`;
}

function nativeSource(cases: readonly Case[]): string {
  const bodies = cases.map((c, i) => `case_${i}:\n${c.asm}\n  jmp case_done\n`);
  const table = cases.map((_, i) => `case_${i}`).join(', ');
  return `${HARNESS}${bodies.join('')}section .data
global case_table
case_table: dd ${table}
section .note.GNU-stack noalloc noexec nowrite progbits
`;
}

/** The snippets for the sim: case i at CODE_ADDR + i * CODE_SLOT, each ending in HLT. */
function simSource(cases: readonly Case[]): string {
  const bodies = cases.map((c, i) => `times ${i * CODE_SLOT} - ($ - $$) db 0xcc\n${c.asm}\nhlt\n`);
  return `bits 32\norg ${CODE_ADDR}\n%define BUF ${SCRATCH_ADDR}\n${bodies.join('')}`;
}

function parseLine(line: string): Outcome {
  const parts = line.trim().split(' ');
  const words = parts.slice(1, 9).map((h) => Number.parseInt(h, 16) >>> 0);
  const memHex = parts[9] ?? '';
  const memory = new Uint8Array(SCRATCH_BYTES);
  for (let b = 0; b < SCRATCH_BYTES; b++) {
    memory[b] = Number.parseInt(memHex.slice(2 * b, 2 * b + 2), 16);
  }
  return { regs: words.slice(0, 7), flags: words[7]!, memory };
}

export interface NativeBuild {
  /** The outcome of every case on the host CPU. */
  outcomes: Outcome[];
  /** The snippets assembled for the sim (load at CODE_ADDR). */
  simImage: Uint8Array;
}

/** Builds and runs every case natively, and assembles the sim image. Throws on tool errors. */
export function buildAndRunNative(cases: readonly Case[]): NativeBuild {
  const dir = mkdtempSync(join(tmpdir(), 'xenlab-diff-'));
  try {
    writeFileSync(join(dir, 'cases.asm'), nativeSource(cases));
    writeFileSync(join(dir, 'driver.c'), driver(cases));
    writeFileSync(join(dir, 'sim.asm'), simSource(cases));
    const run = (cmd: string, args: string[]) =>
      execFileSync(cmd, args, { cwd: dir, encoding: 'utf8', maxBuffer: 64 << 20 });
    run('nasm', ['-f', 'elf32', 'cases.asm', '-o', 'cases.o']);
    run('gcc', ['-m32', '-no-pie', '-O1', 'driver.c', 'cases.o', '-o', 'cases']);
    run('nasm', ['-f', 'bin', 'sim.asm', '-o', 'sim.bin']);
    const out = run(join(dir, 'cases'), []);
    const outcomes = out.trim().split('\n').map(parseLine);
    if (outcomes.length !== cases.length) {
      throw new Error(`native run printed ${outcomes.length} results for ${cases.length} cases`);
    }
    return { outcomes, simImage: new Uint8Array(readFileSync(join(dir, 'sim.bin'))) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
