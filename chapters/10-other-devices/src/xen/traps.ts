// Your working copy for chapter 10, generated from solutions/xen/traps.ts by npx xenlab stage.
// What happens when a vCPU enters Xen: a hypercall, or an exception, which a mechanism handles
// or else crashes the domain with a report:
// book §2.3, §2.7; Xen xen/arch/x86/traps.c (do_trap, show_registers), x86_32/entry.S.

import {
  type Cpu,
  CS,
  DS,
  disassembleOne,
  EAX,
  EBP,
  EBX,
  ECX,
  EDI,
  EDX,
  ES,
  ESI,
  ESP,
  FS,
  GS,
  getEflags,
  SS,
  translateForHost,
  trapInstructionAddress,
  VEC_PF,
} from '../../../../sim/host.ts';
import { HYPERCALL_VECTOR } from './abi.ts';
import type { Vcpu } from './domain.ts';
import { doHypercall } from './hypercall.ts';
import type { Xen } from './xen.ts';

/** Exception mnemonics and names, by vector (Intel SDM vol. 3A table 6-1). */
const EXCEPTIONS: readonly (readonly [string, string])[] = [
  ['#DE', 'divide error'],
  ['#DB', 'debug'],
  ['NMI', 'non-maskable interrupt'],
  ['#BP', 'breakpoint'],
  ['#OF', 'overflow'],
  ['#BR', 'BOUND range exceeded'],
  ['#UD', 'invalid opcode'],
  ['#NM', 'device not available'],
  ['#DF', 'double fault'],
  ['', 'coprocessor segment overrun'],
  ['#TS', 'invalid TSS'],
  ['#NP', 'segment not present'],
  ['#SS', 'stack fault'],
  ['#GP', 'general protection'],
  ['#PF', 'page fault'],
  ['', 'reserved'],
  ['#MF', 'x87 floating-point error'],
  ['#AC', 'alignment check'],
  ['#MC', 'machine check'],
  ['#XM', 'SIMD floating-point'],
];

export function vectorName(vector: number): string {
  const e = EXCEPTIONS[vector];
  if (e === undefined) return `vector ${vector}`;
  return e[0] === '' ? `vector ${vector} (${e[1]})` : `vector ${vector} (${e[0]}, ${e[1]})`;
}

/** The D/B flag of the CS descriptor cache ((byte 6 << 8) | byte 5): 32-bit code. */
const CS_D_BIT = 1 << 14;

const hex8 = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;
const hex4 = (n: number) => `0x${(n >>> 0).toString(16).padStart(4, '0')}`;

/** Page-fault error code bits in words (SDM §4.7). */
function pfErrorWords(code: number): string {
  const words = [
    code & 1 ? 'protection' : 'not-present',
    code & 2 ? 'write' : 'read',
    code & 4 ? 'user' : 'supervisor',
  ];
  if (code & 8) words.push('reserved-bit');
  if (code & 16) words.push('instruction-fetch');
  return words.join(', ');
}

/** Up to 15 bytes at CS:EIP as the guest maps them (fewer if the mapping ends). */
export function instructionBytes(cpu: Cpu, eip: number): Uint8Array {
  const bytes: number[] = [];
  for (let i = 0; i < 15; i++) {
    const pa = translateForHost(cpu, (cpu.segBase[CS]! + eip + i) >>> 0, false);
    if (pa < 0) break;
    bytes.push(cpu.mem.read8(pa));
  }
  return new Uint8Array(bytes);
}

/** `instruction at 0x…: mov [0x400000],eax (a3 00 00 40 00)`, disassembled as CS decodes. */
function describeInstruction(cpu: Cpu, eip: number): string {
  const bytes = instructionBytes(cpu, eip);
  if (bytes.length === 0) return `instruction at ${hex8(eip)}: not mapped`;
  const bits = (cpu.segAccess[CS]! & CS_D_BIT) !== 0 ? 32 : 16;
  const line = disassembleOne(bytes, 0, { bits, org: eip });
  const hexBytes = [...line.bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  return `instruction at ${hex8(eip)}: ${line.text} (${hexBytes})`;
}

/** The top of the stack: up to 8 dwords at SS:ESP, as Xen's show_registers prints them. */
function describeStack(cpu: Cpu): string {
  const words: string[] = [];
  for (let i = 0; i < 8; i++) {
    const linear = (cpu.segBase[SS]! + cpu.reg32[ESP]! + i * 4) >>> 0;
    const pa = translateForHost(cpu, linear, false);
    if (pa < 0) break;
    words.push(cpu.mem.read32(pa).toString(16).padStart(8, '0'));
  }
  return words.length === 0 ? 'stack: not mapped' : `stack: ${words.join(' ')}`;
}

/** The text of a crash report: what happened, the registers, the instruction. */
export function crashReport(v: Vcpu, what: string): string[] {
  const cpu = v.cpu;
  const r = (i: number) => hex8(cpu.reg32[i]!);
  const sel = (s: number) => hex4(cpu.segSelector[s]!);
  const lines = [
    `d${v.domain.domid}v${v.id}: ${what}`,
    `EIP ${sel(CS)}:${hex8(cpu.eip)}  EFLAGS ${hex8(getEflags(cpu))}  CPL ${cpu.cpl}`,
    `EAX ${r(EAX)}  EBX ${r(EBX)}  ECX ${r(ECX)}  EDX ${r(EDX)}`,
    `ESI ${r(ESI)}  EDI ${r(EDI)}  EBP ${r(EBP)}  ESP ${sel(SS)}:${r(ESP)}`,
    `DS ${sel(DS)}  ES ${sel(ES)}  FS ${sel(FS)}  GS ${sel(GS)}  CR2 ${hex8(cpu.cr2)}  CR3 ${hex8(cpu.cr3)}`,
  ];
  lines.push(describeInstruction(cpu, trapInstructionAddress(cpu)));
  lines.push(describeStack(cpu));
  return lines;
}

/** Describes the exception the CPU exited with. */
export function describeException(cpu: Cpu): string {
  const vector = cpu.exitVector;
  let text = `unhandled ${vectorName(vector)}`;
  if (cpu.exitSoftware) text += ` raised by INT ${hex4(vector).slice(4)}h`;
  if (cpu.exitHasErrorCode) {
    text += `, error code ${hex4(cpu.exitErrorCode)}`;
    if (vector === VEC_PF) text += ` [${pfErrorWords(cpu.exitErrorCode)}]`;
  }
  if (vector === VEC_PF) text += `, CR2 ${hex8(cpu.cr2)}`;
  return text;
}

/**
 * A HostTrap from `v`: `int $0x82` is a hypercall; any other exception goes to the mechanisms
 * that handle guest exceptions (from chapter 05: the writable page tables, then the guest's
 * own handler), and one none of them takes crashes the domain.
 */
export function handleHostTrap(xen: Xen, v: Vcpu): void {
  const cpu = v.cpu;
  if (cpu.exitSoftware && cpu.exitVector === HYPERCALL_VECTOR) {
    doHypercall({ xen, domain: v.domain, vcpu: v }, xen.traceSink);
    return;
  }
  for (const m of xen.mechanisms) if (m.guestException?.(xen, v)) return;
  xen.crashDomain(v.domain, crashReport(v, describeException(cpu)));
}
