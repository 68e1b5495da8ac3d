// Mutants of chapter 02's exercises (grader/mutants/index.ts).

import type { Mutant } from './mutant.ts';

export const MUTANTS_02: readonly Mutant[] = [
  // 02-start-info
  {
    name: 'nr-pt-frames-hard-coded',
    exercise: '02-start-info',
    file: 'xen/builder.ts',
    search: 'put(START_INFO.nr_pt_frames, lay.nrPtFrames);',
    replace: 'put(START_INFO.nr_pt_frames, 4);',
    why: 'nr_pt_frames counts the L3, the L2s and the L1s of this layout; a larger image or domain needs more',
  },
  {
    name: 'nr-pt-frames-without-l3',
    exercise: '02-start-info',
    file: 'xen/builder.ts',
    search: 'put(START_INFO.nr_pt_frames, lay.nrPtFrames);',
    replace: 'put(START_INFO.nr_pt_frames, lay.l2Count + lay.l1Count);',
    why: 'the L3 is a page-table frame too',
  },
  {
    name: 'mfn-list-pseudo-physical',
    exercise: '02-start-info',
    file: 'xen/builder.ts',
    search: 'put(START_INFO.mfn_list, lay.virtBase + lay.p2mPfn * PAGE_SIZE);',
    replace: 'put(START_INFO.mfn_list, lay.p2mPfn * PAGE_SIZE);',
    why: 'mfn_list is a virtual address; for a kernel linked at 0 the two coincide',
  },
  {
    name: 'cmdline-without-nul-room',
    exercise: '02-start-info',
    file: 'xen/builder.ts',
    search: 'cfg.cmdline.slice(0, MAX_GUEST_CMDLINE - 1)',
    replace: 'cfg.cmdline.slice(0, MAX_GUEST_CMDLINE)',
    why: 'a 1024-byte command line leaves no room for the NUL',
  },
  // 02-bootstrap-tables
  {
    name: 'page-tables-left-writable',
    exercise: '02-bootstrap-tables',
    file: 'xen/builder.ts',
    search: 'readOnly ? L1_PROT & ~_PAGE_RW : L1_PROT',
    replace: 'L1_PROT',
    why: 'a page table mapped writable lets the guest rewrite its own translations (book §2.1)',
  },
  {
    name: 'last-page-table-writable',
    exercise: '02-bootstrap-tables',
    file: 'xen/builder.ts',
    search: 'const ptEnd = lay.pgtablesPfn + lay.nrPtFrames;',
    replace: 'const ptEnd = lay.pgtablesPfn + lay.nrPtFrames - 1;',
    why: 'the last L1 stays writable: every page-table frame must be read-only',
  },
  {
    name: 'no-slot-3-l2',
    exercise: '02-bootstrap-tables',
    file: 'xen/builder.ts',
    search: 'if (lay.virtPgtabEnd <= 0xc0000000) {',
    replace: 'if (false) {',
    why: 'a kernel linked low still needs an L2 in slot 3 for Xen’s private mappings',
  },
  // 02-hypercall-page
  {
    name: 'no-iret-entry',
    exercise: '02-hypercall-page',
    file: 'xen/builder.ts',
    search: 'if (i === 23) {',
    replace: 'if (i === -1) {',
    why: 'HYPERVISOR_iret is entered by a jump, not a call: its entry pushes EAX first and never returns',
  },
  {
    name: 'hypercall-number-five-bits',
    exercise: '02-hypercall-page',
    file: 'xen/builder.ts',
    search: 'mem.writeBytes(p, [0xb8, i, 0, 0, 0,',
    replace: 'mem.writeBytes(p, [0xb8, i & 31, 0, 0, 0,',
    why: 'entries 32 and up call the wrong hypercall',
  },
  {
    name: 'no-int3-fill',
    exercise: '02-hypercall-page',
    file: 'xen/builder.ts',
    search: 'mem.fill(base, PAGE_SIZE, 0xcc);',
    replace: '',
    why: 'the unused bytes of each 32-byte entry must trap (int3), not run on',
  },
  // 02-copy-from-guest
  {
    name: 'copy-ignores-page-boundary',
    exercise: '02-copy-from-guest',
    file: 'xen/guest-access.ts',
    search: 'const chunk = Math.min(length - done, PAGE_SIZE - ((va + done) % PAGE_SIZE));',
    replace: 'const chunk = length - done;',
    why: 'contiguous virtual pages are not contiguous in machine memory: translate each page',
  },
  {
    name: 'copy-no-access-ok',
    exercise: '02-copy-from-guest',
    file: 'xen/guest-access.ts',
    search: 'if (!accessOk(va, length)) return -EFAULT;',
    replace: '',
    why: 'a guest must not make Xen read Xen’s own memory above HYPERVISOR_VIRT_START',
  },
  {
    name: 'copy-partial-on-fault',
    exercise: '02-copy-from-guest',
    file: 'xen/guest-access.ts',
    search: 'if (pa < 0) return -EFAULT;\n    out.set(',
    replace: 'if (pa < 0) break;\n    out.set(',
    why: 'an unmapped page must fail the copy with -EFAULT, not return zeros',
  },
  // 02-hypercall-dispatch
  {
    name: 'eax-read-signed',
    exercise: '02-hypercall-dispatch',
    file: 'xen/hypercall.ts',
    search: 'const number = cpu.reg32[EAX]! >>> 0;',
    replace: 'const number = cpu.reg32[EAX]! | 0;',
    why: 'the hypercall number is unsigned: numbers from 2^31 on are traced as negative',
  },
  {
    name: 'trace-result-unsigned',
    exercise: '02-hypercall-dispatch',
    file: 'xen/hypercall.ts',
    search: 'result: result | 0,',
    replace: 'result: result >>> 0,',
    why: 'the trace shows the result as the guest reads it in EAX, signed: -38 for -ENOSYS',
  },
  {
    name: 'unknown-hypercall-returns-zero',
    exercise: '02-hypercall-dispatch',
    file: 'xen/hypercall.ts',
    search: 'const result = handler === null ? -ENOSYS : handler(ctx, args);',
    replace: 'const result = handler === null ? 0 : handler(ctx, args);',
    why: 'a hypercall Xen does not have returns -ENOSYS',
  },
  {
    name: 'unknown-hypercall-traced-without-eax',
    exercise: '02-hypercall-dispatch',
    file: 'xen/hypercall.ts',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the reference's template literal, as text
    search: 'args: decoded ?? [`eax=${number}`],',
    replace: 'args: decoded ?? [],',
    why: 'an unknown hypercall is traced as hypercall_N(eax=N)',
  },
  // 02-console-write
  {
    name: 'console-no-chunking',
    exercise: '02-console-write',
    file: 'xen/console.ts',
    search:
      'for (let done = 0; done < count; done += CONSOLE_CHUNK) {\n' +
      '    const chunk = copyFromGuest(ctx.vcpu.cpu, buffer + done, Math.min(CONSOLE_CHUNK, count - done));',
    replace:
      'for (let done = 0; done < count; done += count) {\n' +
      '    const chunk = copyFromGuest(ctx.vcpu.cpu, buffer, count);',
    why: 'Xen copies in chunks of 127 bytes: the chunks before a bad page are printed before -EFAULT',
  },
  {
    name: 'console-128-byte-chunks',
    exercise: '02-console-write',
    file: 'xen/console.ts',
    search:
      'for (let done = 0; done < count; done += CONSOLE_CHUNK) {\n' +
      '    const chunk = copyFromGuest(ctx.vcpu.cpu, buffer + done, Math.min(CONSOLE_CHUNK, count - done));',
    replace:
      'for (let done = 0; done < count; done += 128) {\n' +
      '    const chunk = copyFromGuest(ctx.vcpu.cpu, buffer + done, Math.min(128, count - done));',
    why: 'Xen’s chunks are 127 bytes: which bytes precede a bad page’s -EFAULT shows the size',
  },
  {
    name: 'console-returns-count',
    exercise: '02-console-write',
    file: 'xen/console.ts',
    search: '    ctx.xen.consoleWrite(ctx.domain, chunk);\n  }\n  return 0;',
    replace: '    ctx.xen.consoleWrite(ctx.domain, chunk);\n  }\n  return count;',
    why: 'CONSOLEIO_write returns 0 on success, not the count',
  },
  {
    name: 'console-skips-bad-chunk',
    exercise: '02-console-write',
    file: 'xen/console.ts',
    search: "if (typeof chunk === 'number') return -EFAULT;\n    ctx.xen.consoleWrite",
    replace: "if (typeof chunk === 'number') continue;\n    ctx.xen.consoleWrite",
    why: 'a bad chunk stops the write with -EFAULT',
  },
  // 02-sched-op
  {
    name: 'shutdown-code-overwritten',
    exercise: '02-sched-op',
    file: 'xen/sched.ts',
    search: 'if (ctx.domain.shutdownCode < 0) ctx.domain.shutdownCode = reasonByte(reason);',
    replace: 'ctx.domain.shutdownCode = reasonByte(reason);',
    why: 'the first SCHEDOP_shutdown_code sticks; a later one is ignored',
  },
  {
    name: 'remote-shutdown-eperm-first',
    exercise: '02-sched-op',
    file: 'xen/sched.ts',
    search:
      'if (target === undefined) return -ESRCH;\n      if (!ctx.domain.privileged) return -EPERM;',
    replace:
      'if (!ctx.domain.privileged) return -EPERM;\n      if (target === undefined) return -ESRCH;',
    why: 'Xen looks the domain up first: a missing domain is -ESRCH for anyone',
  },
  {
    name: 'remote-shutdown-reason-at-2',
    exercise: '02-sched-op',
    file: 'xen/sched.ts',
    search: 'reasonByte(view.getUint32(4, true))',
    replace: 'reasonByte(view.getUint32(2, true))',
    why: 'struct sched_remote_shutdown pads domain_id: reason is at offset 4',
  },
  {
    name: 'shutdown-reason-ignored',
    exercise: '02-sched-op',
    file: 'xen/sched.ts',
    search: 'ctx.xen.shutdownDomain(ctx.domain, reasonByte(reason));',
    replace: 'ctx.xen.shutdownDomain(ctx.domain, 0);',
    why: 'the domain shuts down for the reason the guest gave',
  },
  // 02-vm-lifecycle
  {
    name: 'paused-before-started',
    exercise: '02-vm-lifecycle',
    file: 'xen/domain.ts',
    search:
      'if (!this.started) return DomainState.Created;\n    if (this.pauseCount > 0) return DomainState.Paused;',
    replace:
      'if (this.pauseCount > 0) return DomainState.Paused;\n    if (!this.started) return DomainState.Created;',
    why: 'a domain not yet started is Created, however often it was paused',
  },
  {
    name: 'shutdown-before-dying',
    exercise: '02-vm-lifecycle',
    file: 'xen/domain.ts',
    search:
      'if (this.dying) return DomainState.Dying;\n    if (this.shutdownReason >= 0) return DomainState.Shutdown;',
    replace:
      'if (this.shutdownReason >= 0) return DomainState.Shutdown;\n    if (this.dying) return DomainState.Dying;',
    why: 'a dying domain that had shut down is Dying',
  },
  {
    name: 'blocked-when-any-vcpu-blocked',
    exercise: '02-vm-lifecycle',
    file: 'xen/domain.ts',
    search: 'online.every((v) => v.blocked)',
    replace: 'online.some((v) => v.blocked)',
    why: 'a domain is Blocked only when every online vCPU is',
  },
  // 02-simplest-kernel
  {
    name: 'simplest-reboots',
    exercise: '02-simplest-kernel',
    file: 'guests/simplest.asm',
    search: 'push dword SHUTDOWN_poweroff',
    replace: 'push dword SHUTDOWN_reboot',
    why: 'the kernel powers off when it is done',
  },
  {
    name: 'simplest-cmdline-to-first-space',
    exercise: '02-simplest-kernel',
    file: 'guests/simplest.asm',
    search: 'cmp byte [edx + ecx], 0',
    replace: "cmp byte [edx + ecx], ' '",
    why: 'the command line is printed whole, up to its NUL',
  },
  {
    name: 'simplest-no-newline',
    exercise: '02-simplest-kernel',
    file: 'guests/simplest.asm',
    search:
      '  mov ebx, CONSOLEIO_write\n  mov ecx, 2\n  mov edx, crlf\n  HYPERCALL __HYPERVISOR_console_io\n',
    replace: '',
    why: 'the command line is followed by a new line',
  },
];
