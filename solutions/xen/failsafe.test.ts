// xenlab: file from 07
import { describe, expect, it } from 'vitest';
import { FS, PAGE_SIZE } from '../../sim/host.ts';
import { SHUTDOWN_crash, VCPU_INFO_evtchn_upcall_mask } from './abi.ts';
import { runAsmGuest, runAsmGuests } from './testing/guest.ts';

const PRELUDE = `%include "lib/head.asm"
__HYPERVISOR_iret equ 23
FLAT_USER_CS equ 0xe02b
FLAT_USER_DS equ 0xe033
TRAP_gp_fault equ 13
MMUEXT_SET_LDT equ 13

section .text
; register_failsafe: set_callbacks with no event callback and \`failsafe\` as the failsafe one.
register_failsafe:
  mov ebx, FLAT_KERNEL_CS
  xor ecx, ecx
  mov edx, FLAT_KERNEL_CS
  mov esi, failsafe
  HYPERCALL __HYPERVISOR_set_callbacks
  ret

; failsafe: copies the nine words above ESP and ESP itself to \`seen\`, then powers off.
failsafe:
  mov [seen_eax], eax
  mov [seen_esp], esp
  mov esi, esp
  mov edi, seen
  mov ecx, 9
  cld
  rep movsd
  mov ebx, SHUTDOWN_poweroff
  call exit

section .data
seen: times 9 dd 0
seen_esp: dd 0
seen_eax: dd 0
`;

type Guest = ReturnType<typeof runAsmGuest>;
const seen = (g: Guest) => Array.from({ length: 9 }, (_, i) => g.read32('seen', i));
const hex = (n: number) => n.toString(16);

describe('the failsafe callback after a refused iret', () => {
  it('an iret to a CS that is a data segment enters the failsafe callback with the return it refused', () => {
    const g = runAsmGuest(`${PRELUDE}
section .text
main:
  call register_failsafe
  mov [esp_before], esp
  push dword 0x202
  push dword FLAT_KERNEL_DS     ; a data segment: the hardware iret refuses it as CS
  push dword 0x1234
  mov eax, 0x77
  jmp hypercall_page + __HYPERVISOR_iret * 32
section .data
esp_before: dd 0
`);
    expect(g.domain.shutdownReason, g.xen.logLines.join('\n')).toBe(0);
    const [ds, es, fs, gs, eip, cs, eflags] = seen(g);
    expect([ds, es, fs, gs].map(hex), 'the live data selectors').toEqual([
      'e021',
      'e021',
      'e021',
      'e021',
    ]);
    expect([hex(eip!), hex(cs!)], 'the return it refused (mask 0 in bits 16–23)').toEqual([
      '1234',
      'e021',
    ]);
    expect(eflags! & 0x3200, 'IF from the mask, no IOPL').toBe(0x200);
    // The frame sits where the iret left the stack: above the 4 words it popped, 7 words down.
    const esp = g.read32('esp_before') - 4 - 12 + 16;
    expect(g.read32('seen_esp')).toBe(esp - 28);
    expect(hex(g.read32('seen_eax')), 'EAX as the iret restored it').toBe('77');
  });

  it('a refused return to ring 3 goes on the kernel stack with the ESP and SS it refused', () => {
    const g = runAsmGuest(`${PRELUDE}
section .text
main:
  call register_failsafe
  mov ebx, FLAT_KERNEL_DS
  mov ecx, kernel_stack_top
  HYPERCALL __HYPERVISOR_stack_switch
  push dword FLAT_KERNEL_DS     ; a ring-1 stack for ring 3: refused
  push dword 0x5000
  push dword 0x202
  push dword FLAT_USER_CS
  push dword 0x6000
  jmp hypercall_page + __HYPERVISOR_iret * 32
section .bss
kernel_stack: resb 4096
kernel_stack_top:
`);
    expect(g.domain.shutdownReason, g.xen.logLines.join('\n')).toBe(0);
    const [, , , , eip, cs, , esp, ss] = seen(g);
    expect([eip, cs, esp, ss].map((n) => hex(n!))).toEqual(['6000', 'e02b', '5000', 'e021']);
    expect(g.read32('seen_esp')).toBe(g.symbol('kernel_stack_top') - 36);
  });

  it('without a failsafe callback the domain crashes, naming the selector', () => {
    const g = runAsmGuest(`${PRELUDE}
section .text
main:
  push dword 0x202
  push dword FLAT_KERNEL_DS
  push dword 0x1234
  jmp hypercall_page + __HYPERVISOR_iret * 32
`);
    expect(g.domain.shutdownReason).toBe(SHUTDOWN_crash);
    expect(g.xen.logLines.join('\n')).toMatch(
      /iret: CS e021 is not a code segment; no failsafe callback is registered/,
    );
  });

  it('a failsafe callback registered to mask events is entered with events masked', () => {
    const g = runAsmGuest(`${PRELUDE}
CALLBACKOP_register equ 0
CALLBACKTYPE_failsafe equ 1
CALLBACKF_mask_events equ 1
__HYPERVISOR_callback_op equ 30
section .text
main:
  mov ebx, CALLBACKOP_register
  mov ecx, callback
  HYPERCALL __HYPERVISOR_callback_op
  push dword 0x202
  push dword FLAT_KERNEL_DS
  push dword 0x1234
  jmp hypercall_page + __HYPERVISOR_iret * 32
section .data
callback: dw CALLBACKTYPE_failsafe, CALLBACKF_mask_events
  dd FLAT_KERNEL_CS, failsafe
`);
    expect(g.domain.shutdownReason, g.xen.logLines.join('\n')).toBe(0);
    const mask = g.xen.mem.read8(g.domain.sharedInfoMfn * PAGE_SIZE + VCPU_INFO_evtchn_upcall_mask);
    expect(mask).toBe(1);
    expect(seen(g)[5]! >>> 16, 'the frame saved the mask the iret set (0)').toBe(0);
  });
});

describe('HYPERVISOR_iret to virtual-8086 mode', () => {
  it('becomes a #GP in the guest kernel with the VM86 frame copied under the kernel stack top', () => {
    const g = runAsmGuest(`${PRELUDE}
section .text
main:
  mov ebx, trap_table
  HYPERCALL __HYPERVISOR_set_trap_table
  mov ebx, FLAT_KERNEL_DS
  mov ecx, kernel_stack_top
  HYPERCALL __HYPERVISOR_stack_switch
  push dword 0x11               ; GS
  push dword 0x22               ; FS
  push dword 0x33               ; DS
  push dword 0x44               ; ES
  push dword 0x55               ; SS
  push dword 0x66               ; ESP
  push dword 0x20202            ; EFLAGS: VM, IF
  push dword 0x77               ; CS
  push dword 0x88               ; EIP
  jmp hypercall_page + __HYPERVISOR_iret * 32

gp_fault:
  mov [seen_esp], esp
  mov esi, esp
  mov edi, seen
  mov ecx, 9
  cld
  rep movsd
  mov eax, [esp + 36]
  mov [tenth], eax
  mov ebx, SHUTDOWN_poweroff
  call exit

section .data
trap_table:
  db TRAP_gp_fault, 0
  dw FLAT_KERNEL_CS
  dd gp_fault
  dd 0, 0
tenth: dd 0
section .bss
kernel_stack: resb 4096
kernel_stack_top:
`);
    expect(g.domain.shutdownReason, g.xen.logLines.join('\n')).toBe(0);
    expect(g.read32('seen_esp')).toBe(g.symbol('kernel_stack_top') - 40);
    expect([...seen(g), g.read32('tenth')].map(hex)).toEqual([
      '0', // error code
      '88',
      '77',
      '20202',
      '66',
      '55',
      '44',
      '33',
      '22',
      '11',
    ]);
  });

  it('without a #GP handler the domain crashes', () => {
    const g = runAsmGuest(`${PRELUDE}
section .text
main:
  push dword 0x20202
  push dword 0x77
  push dword 0x88
  jmp hypercall_page + __HYPERVISOR_iret * 32
`);
    expect(g.domain.shutdownReason).toBe(SHUTDOWN_crash);
    expect(g.xen.logLines.join('\n')).toMatch(/VM86 return without a #GP handler/);
  });
});

describe('the failsafe callback when a data segment cannot be reloaded (load_segments)', () => {
  it('an FS whose LDT went away is nulled at the next switch, and the failsafe frame shows it', () => {
    const [g] = runAsmGuests([
      `${PRELUDE}
section .text
main:
  call register_failsafe
  mov eax, ldt_page             ; map the LDT page read-only, as Xen requires
  shr eax, 12
  mov edx, [start_info]
  mov edx, [edx + START_INFO_mfn_list]
  mov ecx, [edx + eax * 4]
  shl ecx, 12
  or ecx, 0x21                  ; present, accessed
  mov ebx, ldt_page
  xor edx, edx
  mov esi, UVMF_INVLPG
  HYPERCALL __HYPERVISOR_update_va_mapping
  mov dword [op + 4], ldt_page
  mov dword [op + 8], 2
  call set_ldt
  mov ax, 0x0d                  ; LDT entry 1, RPL 1
  mov fs, ax
  mov dword [op + 8], 0         ; no LDT: FS's cached copy still works, its selector not
  call set_ldt
.wait:                          ; until Xen switches another domain in and this one back
  mov ebx, SCHEDOP_yield
  HYPERCALL __HYPERVISOR_sched_op
  jmp .wait

set_ldt:
  mov ebx, op
  mov ecx, 1
  xor edx, edx
  mov esi, DOMID_SELF
  HYPERCALL __HYPERVISOR_mmuext_op
  ret

section .data
op: dd MMUEXT_SET_LDT, 0, 0
align 4096
ldt_page:
  dd 0, 0
  dw 0xffff, 0                  ; entry 1: flat data, DPL 1
  db 0, 0xb3, 0xcf, 0
  times 4096 - 16 db 0
`,
      `${PRELUDE}
section .text
main:
  jmp main
`,
    ]);
    expect(g!.domain.shutdownReason, g!.xen.logLines.join('\n')).toBe(0);
    const [ds, es, fs, gs, , cs] = seen(g!);
    expect(
      [ds, es, fs, gs].map((n) => hex(n!)),
      'the selectors it tried',
    ).toEqual(['e021', 'e021', 'd', 'e021']);
    expect(hex(cs! & 0xffff)).toBe('e019');
    expect(g!.domain.vcpus[0]!.cpu.segSelector[FS], 'FS is null now').toBe(0);
  });
});
