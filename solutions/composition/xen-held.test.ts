// The composition tier, the references Xen keeps per vCPU: a guest that gives its vCPU a GDT of
// its own (set_gdt) and moves its vcpu_info (VCPUOP_register_vcpu_info) keeps every invariant
// after each hypercall, because the checker is told which frames Xen holds for it.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkInvariants } from '../../chapters/testing/invariants.ts';
import { assemble, formatAsmError } from '../../sim/host.ts';
import { asmSourcesUnder } from '../../tools/asm-sources.ts';
import { runDomains } from '../xen/schedule.ts';
import { checkedXen, xenHeldFrames } from './checked.ts';

const GUEST = `%include "lib/head.asm"
__HYPERVISOR_set_gdt equ 2
VCPUOP_register_vcpu_info equ 10

section .text
main:
  mov eax, gdt_page             ; a descriptor page may not be mapped writable
  call mfn_of
  mov [frame_list], eax
  shl eax, 12
  or eax, 0x21                  ; present, accessed: read-only
  mov ecx, eax
  mov ebx, gdt_page
  xor edx, edx
  mov esi, UVMF_INVLPG
  HYPERCALL __HYPERVISOR_update_va_mapping
  mov ebx, frame_list
  mov ecx, 16
  HYPERCALL __HYPERVISOR_set_gdt
  mov [gdt_rc], eax
  mov eax, info_page
  call mfn_of
  mov [info_arg], eax
  mov ebx, VCPUOP_register_vcpu_info
  xor ecx, ecx
  mov edx, info_arg
  HYPERCALL __HYPERVISOR_vcpu_op
  mov [info_rc], eax
  ret

; mfn_of: EAX = the machine frame of the page at virtual address EAX.
mfn_of:
  shr eax, 12
  mov edx, [start_info]
  mov edx, [edx + START_INFO_mfn_list]
  mov eax, [edx + eax * 4]
  ret

section .data
frame_list: dd 0
info_arg:   dd 0, 0, 0, 0       ; mfn (u64), offset, rsvd
gdt_rc:     dd 1
info_rc:    dd 1
align 4096
gdt_page:   times 4096 db 0
info_page:  times 4096 db 0
`;

describe('composition: references Xen holds per vCPU', () => {
  it('set_gdt and register_vcpu_info keep every invariant, with the frames Xen holds named', () => {
    const lib = asmSourcesUnder(join(import.meta.dirname, '..', 'guests'));
    const built = assemble(GUEST, {
      fileName: 't.asm',
      files: { ...lib, 't.asm': GUEST },
      format: 'elf',
    });
    if (!built.ok) throw new Error(built.errors.map((e) => formatAsmError(e)).join('\n'));
    const c = checkedXen(48);
    const d = c.toolstack.create(built.bytes, { name: 'held', memoryMiB: 8, cmdline: '' });
    c.toolstack.start(d);
    runDomains(c.xen, 200_000);
    expect(d.shutdownReason, c.xen.logLines.join('\n')).toBe(0);
    expect(c.violation).toBeNull();
    const held = xenHeldFrames(c.xen);
    expect(held).toHaveLength(2);
    expect(checkInvariants(c.xen, held)).toEqual([]);
    // Without them the recount misses Xen's two typed references.
    expect(checkInvariants(c.xen).join('\n')).toMatch(/references/);
    c.toolstack.destroy(d);
    c.check('destroying held');
    expect(c.violation).toBeNull();
  });
});
