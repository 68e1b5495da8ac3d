// xenlab: file from 05
import { describe, expect, it } from 'vitest';
import { auditFrameTable } from '../../chapters/testing/invariants.ts';
import { SHUTDOWN_crash } from './abi.ts';
import { vcpuGdt } from './gdt.ts';
import { PGT_seg_desc_page } from './mm.ts';
import { runAsmGuest, runAsmGuests } from './testing/guest.ts';

/**
 * A guest that writes descriptors into gdt_page, maps it read-only (unless `writable`), and
 * calls set_gdt with its frame; then loads selector 0x09 (entry 1, RPL 1) into ES and reads
 * through it. `extra` runs before set_gdt (to plant a bad descriptor).
 */
function gdtGuest(opts: { writable?: boolean; extra?: string; entries?: number } = {}) {
  const pte = opts.writable ? '0x63' : '0x21';
  return `%include "lib/head.asm"
__HYPERVISOR_set_gdt equ 2
section .text
main:
  ; Entry 1: a ring-1 data segment based at marker, 256 bytes, byte-granular.
  mov eax, marker
  mov ebx, eax
  shl ebx, 16
  or ebx, 0xff
  mov [gdt_page + 8], ebx
  mov ecx, eax
  shr ecx, 16
  and ecx, 0xff
  and eax, 0xff000000
  or ecx, eax
  or ecx, (0xb3 << 8) | (0x4 << 20)
  mov [gdt_page + 12], ecx
${opts.extra ?? ''}
  ; Its frame, then map it again ${opts.writable ? 'writable' : 'read-only'}.
  mov eax, gdt_page
  shr eax, 12
  mov edx, [start_info]
  mov edx, [edx + START_INFO_mfn_list]
  mov ecx, [edx + eax * 4]
  mov [frame_list], ecx
  shl ecx, 12
  or ecx, ${pte}
  xor edx, edx
  mov ebx, gdt_page
  mov esi, UVMF_INVLPG
  HYPERCALL __HYPERVISOR_update_va_mapping
  mov ebx, frame_list
  mov ecx, ${opts.entries ?? 512}
  HYPERCALL __HYPERVISOR_set_gdt
  mov [set_gdt_rc], eax
  test eax, eax
  jnz .done
  mov ax, 0x09
  mov es, ax
  mov eax, [es:4]
  mov [read_back], eax
  mov ax, 0xe021                ; FLAT_KERNEL_DS again
  mov es, ax
.done:
  ret
section .data
marker: dd 0, 0x600df00d
frame_list: dd 0
set_gdt_rc: dd 0xdeadbeef
read_back: dd 0
section .bss
alignb 4096
gdt_page: resb 4096
`;
}

describe('set_gdt', () => {
  it("maps the guest's descriptor page into its GDT: its selectors load and work", () => {
    const g = runAsmGuest(gdtGuest());
    expect(g.domain.shutdownReason, g.xen.logLines.join('\n')).toBe(0);
    expect(g.read32('set_gdt_rc')).toBe(0);
    expect(g.read32('read_back').toString(16), 'ES:4 reads marker + 4').toBe('600df00d');
    const v = g.domain.vcpus[0]!;
    const mfn = g.read32('frame_list');
    expect(vcpuGdt(v).frames).toEqual([mfn]);
    expect(g.xen.heap.type[mfn]).toBe(PGT_seg_desc_page);
    expect(auditFrameTable(g.xen, [mfn])).toEqual([]);
  });

  it('refuses a frame the guest can still write, and one holding a call gate into Xen', () => {
    const writable = runAsmGuest(gdtGuest({ writable: true }));
    expect(writable.read32('set_gdt_rc') | 0).toBe(-22);
    const gate = runAsmGuest(
      gdtGuest({
        extra: `  mov dword [gdt_page + 16], 0xe0080000   ; entry 2: a call gate to __HYPERVISOR_CS
  mov dword [gdt_page + 20], 0x0000ec00   ; present, DPL 3, 32-bit call gate`,
      }),
    );
    expect(gate.read32('set_gdt_rc') | 0).toBe(-22);
    expect(vcpuGdt(gate.domain.vcpus[0]!).frames, 'the old (empty) GDT stays').toEqual([]);
    expect(gate.xen.heap.typeCount[gate.read32('frame_list')], 'no type taken').toBe(0);
    const tooMany = runAsmGuest(gdtGuest({ entries: 7169 }));
    expect(tooMany.read32('set_gdt_rc') | 0, 'more entries than the guest part holds').toBe(-22);
  });

  it("is the vCPU's own: another domain on the same Xen does not see it", () => {
    const [g, other] = runAsmGuests([
      gdtGuest(),
      `%include "lib/head.asm"
section .text
main:
  mov ecx, 200000                   ; long enough for the first guest's set_gdt
.spin:
  dec ecx
  jnz .spin
  mov ax, 0x09
  mov es, ax
  ret
`,
    ]);
    expect(g!.read32('set_gdt_rc')).toBe(0);
    expect(g!.read32('read_back').toString(16)).toBe('600df00d');
    expect(other!.domain.shutdownReason, 'its GDT entry 1 is empty: #GP').toBe(SHUTDOWN_crash);
    expect(other!.xen.logLines.join('\n')).toMatch(/d2v0: unhandled vector 13 \(#GP/);
  });
});
