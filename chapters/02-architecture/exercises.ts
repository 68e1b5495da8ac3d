// Chapter 02's exercises: the domain builder's pages, entering Xen through a hypercall, the
// first hypercalls, the VM lifecycle and the simplest Xen kernel (book §2.1–2.8).

import type { Exercise } from '../exercise.ts';

export const EXERCISES: Exercise[] = [
  {
    id: '02-start-info',
    title: 'Fill start_info in the domain builder',
    points: 15,
    files: ['src/xen/builder.ts'],
    section: '2.1',
    hints: [
      'start_info lives in pseudo-physical page lay.startInfoPfn; write it at its machine ' +
        'address (d.p2m[pfn] * PAGE_SIZE). The START_INFO table in src/xen/abi.ts gives every ' +
        "field's offset; they are 32-bit little-endian (mem.write32).",
      'Three kinds of address appear: shared_info is a machine ADDRESS (mfn * 4096); ' +
        'store_mfn and console.domU.mfn are machine FRAMES of the xenstore and console pages; ' +
        'pt_base and mfn_list are VIRTUAL addresses (lay.virtBase + pfn * PAGE_SIZE) the guest ' +
        'can use at once.',
      'magic is the string XEN_START_INFO_MAGIC_PAE. nr_pages is d.p2m.length, ' +
        'nr_pt_frames lay.nrPtFrames, the event channels and flags come from cfg, mod_* are ' +
        '0. cmd_line holds at most MAX_GUEST_CMDLINE - 1 bytes of cfg.cmdline and a NUL.',
    ],
    fuel: 100_000,
  },
  {
    id: '02-bootstrap-tables',
    title: 'Build the bootstrap PAE page tables',
    points: 15,
    files: ['src/xen/builder.ts'],
    section: '2.1',
    hints: [
      'Map every page of [lay.virtBase, lay.virtPgtabEnd): virtual page k of the region maps ' +
        'pseudo-physical page k, whose machine frame is d.p2m[k]. The table frames themselves ' +
        'are pfns lay.pgtablesPfn … lay.pgtablesPfn + lay.nrPtFrames - 1: the L3 first, then ' +
        'lay.l2Count L2s, then the L1s. Entries are 64-bit; the high half stays 0 here.',
      'A PAE address splits as L3 index = va >> 30, L2 index = (va >> 21) & 511, L1 index = ' +
        '(va >> 12) & 511. L3 entries carry only L3_PROT (present: other bits are reserved ' +
        'in a PAE PDPTE), L2 entries L2_PROT, L1 entries L1_PROT, except that the page-table ' +
        'frames are mapped without _PAGE_RW: a PV guest may never write its tables directly.',
      'When the region stays below 0xC0000000, L3 slot 3 still needs an L2 (the last of the ' +
        'lay.l2Count L2 frames): Xen keeps its own mappings there. Finally write ' +
        'xenAreaL2Entry(area) into slot XEN_AREA_L2_SLOT of the L2 that L3 slot 3 points to.',
    ],
    fuel: 100_000,
  },
  {
    id: '02-hypercall-page',
    title: 'Write the hypercall page',
    points: 10,
    files: ['src/xen/builder.ts'],
    section: '2.3',
    hints: [
      'writeHypercallPage gets the machine frame of the page the kernel reserved. Fill all ' +
        '4096 bytes with 0xCC (int3) first, then write one 32-byte stub per hypercall number: ' +
        'stub i starts at byte i * 32, so the page holds 128 of them.',
      'Stub i is `mov eax, i` / `int 0x82` / `ret`: B8, then i as a little-endian 32-bit ' +
        'immediate, then CD 82, then C3. The rest of its 32 bytes stay 0xCC.',
      'Stub 23 is different: the guest jumps to iret instead of calling it, so the stub saves ' +
        'EAX first and never returns: 50 (push eax), B8 17 00 00 00, CD 82. Write bytes with ' +
        'mem.writeBytes(address, [...]) at mfn * PAGE_SIZE + i * 32.',
    ],
    fuel: 100_000,
  },
  {
    id: '02-copy-from-guest',
    title: 'Copy from guest memory (copy_from_guest)',
    points: 10,
    files: ['src/xen/guest-access.ts'],
    section: '2.3',
    hints: [
      'A guest passes virtual addresses. Refuse anything not below the hypervisor hole first ' +
        '(accessOk) with -EFAULT, then translate and copy.',
      'Consecutive virtual pages need not be consecutive machine frames: copy page by page. ' +
        'For each piece, translateForHost(cpu, va, false) gives the machine address or -1 when ' +
        'the page is not mapped (then return -EFAULT).',
      'A piece ends at the next page boundary: min(length - done, PAGE_SIZE - (va + done) % ' +
        'PAGE_SIZE). cpu.mem.readBytes(pa, n) reads it. copyToGuest below is the mirror image.',
    ],
    fuel: 100_000,
  },
  {
    id: '02-hypercall-dispatch',
    title: 'Dispatch a hypercall',
    points: 15,
    files: ['src/xen/hypercall.ts'],
    section: '2.3',
    hints: [
      'EAX holds the hypercall number, EBX ECX EDX ESI EDI EBP the six arguments (ARG_REGS, ' +
        'in that order). Copy them into `args`, look the number up in HYPERCALL_TABLE and ' +
        'call the entry’s handler with (ctx, args).',
      'Numbers at or above NR_hypercalls, holes in the table and entries whose handler is ' +
        'null all answer -ENOSYS. The result goes back into EAX (cpu.reg32[EAX] = result | 0).',
      'When `trace` is not null, give it one record: domid, vCPU id, number, the entry’s name ' +
        '(or `hypercall_N` for an unknown number, whose args are [`eax=N`]), the arguments ' +
        'decoded by decodeArgs(entry), and the result. Decode before calling the handler: ' +
        'handlers may change the argument registers.',
    ],
    fuel: 100_000,
  },
  {
    id: '02-console-write',
    title: 'console_io(CONSOLEIO_write)',
    points: 5,
    files: ['src/xen/console.ts'],
    section: '2.3',
    hints: [
      '`buffer` is a guest virtual address of `count` bytes: copy them with copyFromGuest and ' +
        'hand them to ctx.xen.consoleWrite(ctx.domain, bytes). Return 0.',
      'Copy in chunks of CONSOLE_CHUNK bytes, so that a guest asking for a huge count cannot ' +
        'make Xen allocate it all at once. A chunk that cannot be copied ends the call with ' +
        '-EFAULT.',
    ],
    fuel: 100_000,
  },
  {
    id: '02-sched-op',
    title: 'sched_op: yield, block, shutdown',
    points: 10,
    files: ['src/xen/sched.ts'],
    section: '2.7',
    hints: [
      'args[0] is the command, args[1] a pointer to its argument structure (the new ' +
        'interface; sched_op_compat below passes values instead). Switch on the command; ' +
        'unknown commands answer -ENOSYS.',
      'SCHEDOP_shutdown and SCHEDOP_shutdown_code read a u32 reason at args[1] ' +
        '(readGuestU32, -EFAULT when it is null); shutdown calls ctx.xen.shutdownDomain with ' +
        'the low byte, shutdown_code only records it in ctx.domain.shutdownCode. Yield and ' +
        'block have helpers above.',
      'SCHEDOP_remote_shutdown reads struct sched_remote_shutdown (domain_id u16 at 0, reason ' +
        'u32 at 4) with copyFromGuest; -ESRCH when ctx.xen.findDomain finds no such domain, ' +
        '-EPERM unless ctx.domain is privileged.',
    ],
    fuel: 100_000,
  },
  {
    id: '02-vm-lifecycle',
    title: 'The VM lifecycle state machine',
    points: 10,
    files: ['src/xen/domain.ts'],
    section: '2.7',
    hints: [
      'Domain.state derives the state from the fields: destroyed, dying, shutdownReason, ' +
        'started, pauseCount and the vCPUs. The diagram at the top of domain.ts shows the ' +
        'states.',
      'Order matters: destroyed, then dying, then shut down (shutdownReason ≥ 0) win over ' +
        'everything. A domain never unpaused is created; one with pauseCount > 0 is paused.',
      'A live, unpaused domain is blocked when it has online vCPUs and every one of them is ' +
        'blocked (SCHEDOP_block); otherwise it is running. The scheduler asks runnable(), which ' +
        'builds on state.',
    ],
    fuel: 100_000,
  },
  {
    id: '02-simplest-kernel',
    title: 'The simplest Xen kernel',
    points: 10,
    files: ['src/guests/simplest.asm'],
    section: '2.8',
    hints: [
      'start_kernel gets the start_info pointer as its argument, at [esp + 4]. Print the ' +
        'greeting with console_io: EBX = CONSOLEIO_write, ECX = the byte count ' +
        '(greeting_length), EDX = the buffer, then HYPERCALL __HYPERVISOR_console_io.',
      'The command line is the NUL-terminated string at start_info + START_INFO_cmd_line: ' +
        'count its bytes (without the NUL) and print it the same way, then the two bytes at ' +
        'crlf. Each HYPERCALL may clobber EBX, ECX and EDX, so set all three every time.',
      'To power off, push the reason (SHUTDOWN_poweroff) so that struct sched_shutdown sits ' +
        'on the stack, then EBX = SCHEDOP_shutdown, ECX = ESP, HYPERCALL __HYPERVISOR_sched_op. ' +
        'The reference kernel’s trace, `npx xenlab run simplest --trace --cmdline hi`, shows ' +
        'the calls to expect.',
    ],
    fuel: 200_000,
  },
];
