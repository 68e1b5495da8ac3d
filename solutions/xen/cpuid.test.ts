// xenlab: file from 02
import { describe, expect, it } from 'vitest';
import {
  CPUID1_ECX_HYPERVISOR,
  XEN_CPUID_SIGNATURE_EBX,
  XEN_CPUID_SIGNATURE_ECX,
  XEN_CPUID_SIGNATURE_EDX,
} from './cpuid.ts';
import { runAsmGuest } from './testing/guest.ts';

/** A guest that runs CPUID for each leaf in `leaves`, natively or with the prefix. */
function cpuidGuest(leaves: number[], forced: boolean): string {
  const insn = forced ? 'XEN_CPUID' : 'cpuid';
  const steps = leaves
    .map(
      (leaf, i) => `
  mov eax, ${leaf}
  xor ecx, ecx
  ${insn}
  mov [results + ${i * 16}], eax
  mov [results + ${i * 16 + 4}], ebx
  mov [results + ${i * 16 + 8}], ecx
  mov [results + ${i * 16 + 12}], edx`,
    )
    .join('\n');
  return `%include "lib/head.asm"
%macro XEN_CPUID 0
  ud2
  db "xen"
  cpuid
%endmacro
section .text
main:
${steps}
  ret
section .data
results: times ${leaves.length * 4} dd 0xdeadbeef
`;
}

function leavesOf(g: ReturnType<typeof runAsmGuest>, n: number) {
  return Array.from({ length: n }, (_, i) =>
    [0, 1, 2, 3].map((r) => g.read32('results', i * 4 + r)),
  );
}

const hex = (n: number) => `0x${n.toString(16)}`;

describe('CPUID for a PV guest', () => {
  it('answers the forced-emulation prefix with the hypervisor leaves, and resumes after it', () => {
    const leaves = [0x40000000, 0x40000001, 0x40000002, 0x40000003, 0x40000004];
    const g = runAsmGuest(cpuidGuest(leaves, true));
    expect(g.domain.shutdownReason, g.xen.logLines.join('\n')).toBe(0);
    const [sig, version, hcall, time, beyond] = leavesOf(g, leaves.length);
    expect(sig!.map(hex)).toEqual(
      [0x40000003, XEN_CPUID_SIGNATURE_EBX, XEN_CPUID_SIGNATURE_ECX, XEN_CPUID_SIGNATURE_EDX].map(
        hex,
      ),
    );
    const text = Buffer.from(new Uint32Array(sig!.slice(1)).buffer).toString('latin1');
    expect(text).toBe('XenVMMXenVMM');
    expect(version).toEqual([(4 << 16) | 1, 0, 0, 0]);
    expect(hcall, 'one hypercall page, MSR 0x40000000, PRESERVE_AD').toEqual([1, 0x40000000, 1, 0]);
    expect(time, 'TSC leaf: reliable native TSC, 1 GHz').toEqual([2, 0, 1_000_000, 0]);
    expect(beyond, 'past the maximum leaf').toEqual([0, 0, 0, 0]);
  });

  it("masks leaf 1 to Xen's PV featureset and sets the hypervisor bit", () => {
    const forced = runAsmGuest(cpuidGuest([0, 1, 0x80000000], true));
    const native = runAsmGuest(cpuidGuest([0, 1, 0x80000000], false));
    const [f0, f1, fExt] = leavesOf(forced, 3);
    const [n0, n1] = leavesOf(native, 3);
    expect(f0, 'leaf 0: the vendor and maximum basic leaf pass through').toEqual(n0);
    expect(f1![2]! & CPUID1_ECX_HYPERVISOR).not.toBe(0);
    expect(n1![2]! & CPUID1_ECX_HYPERVISOR, 'native CPUID does not know Xen').toBe(0);
    const bit = (n: number) => 1 << n;
    const [PSE, PGE, SEP, VME, MTRR] = [3, 13, 11, 1, 12].map(bit);
    expect(n1![3]! & PSE, 'the hardware has PSE').not.toBe(0);
    for (const hidden of [VME, PSE, MTRR, PGE, SEP]) expect(f1![3]! & hidden).toBe(0);
    const [FPU, TSC, PAE, CX8, CMOV, FXSR] = [0, 4, 6, 8, 15, 24].map(bit);
    for (const kept of [FPU, TSC, PAE, CX8, CMOV, FXSR]) expect(f1![3]! & kept).not.toBe(0);
    expect(fExt, 'no extended leaves: zeros, as Xen answers outside its policy').toEqual([
      0, 0, 0, 0,
    ]);
  });

  it('plain CPUID in ring 1 is not intercepted: it answers for the machine', () => {
    const g = runAsmGuest(cpuidGuest([0x40000000, 1], false));
    const [hv, leaf1] = leavesOf(g, 2);
    expect(hv![1], 'no Xen signature without the prefix').not.toBe(XEN_CPUID_SIGNATURE_EBX);
    expect(leaf1![3]! & (1 << 13), 'PGE, which the policy hides, shows natively').not.toBe(0);
  });

  it('a ud2 without the signature is still #UD: the domain without a handler crashes', () => {
    const g = runAsmGuest(`%include "lib/head.asm"
section .text
main:
  ud2
  db "xem"
  cpuid
  ret
`);
    expect(g.domain.shutdownReason).toBe(3);
    expect(g.xen.logLines.join('\n')).toMatch(/#UD/);
  });
});
