// Your working copy for chapter 10, generated from solutions/guests/index.ts by npx xenlab stage.
// The guest kernels: which programs exist and how one is assembled into a PV kernel image:
// book §2.1. The sources are NASM-syntax assembly beside this file; the caller supplies them
// (Node reads the folder, the site bundles it), so this module stays portable.

import { assemble, formatAsmError } from '../../../../sim/host.ts';

export interface GuestInfo {
  name: string;
  /** The main source file, relative to solutions/guests. */
  main: string;
  description: string;
  /** Chapter id from which it exists. */
  chapter: string;
  /**
   * Chapter 1's guests are flat binaries for the monitor of solutions/monitor, not PV kernels:
   * how that monitor runs this one (on the bare machine, deprivileged as it is, or rewritten).
   */
  monitor?: 'bare' | 'trap' | 'rewrite';
  /** The command line the book starts it with (the site, the composition tier). */
  cmdline?: string;
  /** What the book types at its console when nobody else does (the site, the composition tier). */
  input?: string;
  /** How many vCPUs the toolstack gives it (1 when absent). */
  vcpus?: number;
}

export const GUESTS: readonly GuestInfo[] = [
  {
    name: 'x86-problem',
    main: 'x86-problem.asm',
    description: 'asks SGDT, PUSHF and SMSW about its state in ring 1: they answer for the host',
    chapter: '01',
    monitor: 'trap',
  },
  {
    name: 'x86-problem-rewritten',
    main: 'x86-problem.asm',
    description: 'the same, rewritten: the monitor answers from the virtual CPU',
    chapter: '01',
    monitor: 'rewrite',
  },
  {
    name: 'popf-guard-bare',
    main: 'popf-guard.asm',
    description: 'a critical section entered with POPF (IF = 0), on the bare machine in ring 0',
    chapter: '01',
    monitor: 'bare',
  },
  {
    name: 'popf-guard',
    main: 'popf-guard.asm',
    description: 'the same in ring 1: POPF ignores IF, timer ticks get into the critical section',
    chapter: '01',
    monitor: 'trap',
  },
  {
    name: 'popf-guard-rewritten',
    main: 'popf-guard.asm',
    description: 'the same in ring 1, rewritten: the monitor emulates POPF, no tick gets in',
    chapter: '01',
    monitor: 'rewrite',
  },
  {
    name: 'hello',
    main: 'hello.asm',
    description: 'greets, asks Xen its version, reads start_info, powers off',
    chapter: '02',
  },
  {
    name: 'simplest',
    main: 'simplest.asm',
    description: 'the smallest Xen kernel: prints its command line, powers off (book §2.8)',
    chapter: '02',
  },
  {
    name: 'crash',
    main: 'crash.asm',
    description: 'writes to an unmapped page: Xen crashes the domain with a report',
    chapter: '02',
  },
  {
    name: 'mapshared',
    main: 'mapshared.asm',
    description: 'maps the shared info page with update_va_mapping and reads it (book §5.8)',
    chapter: '05',
  },
  {
    name: 'pagefault',
    main: 'pagefault.asm',
    description: 'handles its own page faults: Xen bounces them, the handler maps the page',
    chapter: '05',
  },
  {
    name: 'balloon',
    main: 'balloon.asm',
    description: 'gives pages back to Xen down to the target on its command line (book §5.5)',
    chapter: '05',
    cmdline: 'balloon_target=6144',
  },
  {
    name: 'count',
    main: 'count.asm',
    description: 'fills and sums its pages for twelve steps: saved and restored, it carries on',
    chapter: '05',
  },
  {
    name: 'gettimeofday',
    main: 'gettimeofday.asm',
    description: 'maps shared_info, prints Xen system time and the time of day three times',
    chapter: '03',
  },
  {
    name: 'timeloop',
    main: 'timeloop.asm',
    description: 'reads the system time 2000 times and counts readings that went backwards',
    chapter: '03',
  },
  {
    name: 'grant-share',
    main: 'grant-share.asm',
    description: 'grants a page to the domain peer=N, writes a message, waits for the reply',
    chapter: '04',
  },
  {
    name: 'grant-map',
    main: 'grant-map.asm',
    description: 'maps grant ref=R of domain dom=D, reads it, answers, unmaps',
    chapter: '04',
  },
  {
    name: 'console',
    main: 'console.asm',
    description: 'greets over its console ring and echoes what is typed until Ctrl-D (book §6.7)',
    chapter: '06',
    input: 'Hello, ring!\r\x04',
  },
  {
    name: 'ring-front',
    main: 'ring-front.asm',
    description: 'sends count=N requests over a shared ring at pfn ring=P and checks the answers',
    chapter: '06',
  },
  {
    name: 'timer',
    main: 'timer.asm',
    description: 'sleeps in SCHEDOP_block five times until its VIRQ_TIMER, 1 ms apart',
    chapter: '07',
  },
  {
    name: 'evtchn-storm',
    main: 'evtchn-storm.asm',
    description: 'storms itself with IPIs whose handlers raise more; counts lost events',
    chapter: '07',
  },
  {
    name: 'smp',
    main: 'smp.asm',
    description: 'brings up a second vCPU with VCPUOP_initialise and VCPUOP_up; both count',
    chapter: '07',
    vcpus: 2,
  },
  {
    name: 'xsname',
    main: 'xsname.asm',
    description: 'reads its name and domid from XenStore over its ring (book §8.4.2)',
    chapter: '08',
  },
  {
    name: 'ping',
    main: 'ping.asm',
    description: 'ARPs for 10.0.0.2 on its vif, then sends count=N ICMP echo requests (book §9.2)',
    chapter: '09',
  },
  {
    name: 'pong',
    main: 'pong.asm',
    description: 'answers ARP and ICMP echo as 10.0.0.2 on its vif, count=N times',
    chapter: '09',
  },
  {
    name: 'disk',
    main: 'disk.asm',
    description:
      'connects its block front end, reads a FAT boot sector and HELLO.TXT, writes a sector back (book §9.1)',
    chapter: '09',
  },
  {
    name: 'blkmix',
    main: 'blkmix.asm',
    description: 'a seeded mix of sector reads and writes on its virtual disk (book §9.1.2)',
    chapter: '09',
    cmdline: 'seed=1 ops=20',
  },
  {
    name: 'fb',
    main: 'fb.asm',
    description:
      'draws shapes and text on its virtual framebuffer, then reads keys until Q (book §10.2)',
    chapter: '10',
  },
];

/** A guest that did not assemble: the assembler's messages, one per line. */
export class GuestBuildError extends Error {
  override name = 'GuestBuildError';
}

/**
 * Assembles guest `main` from `files` (paths relative to solutions/guests → source text) into
 * an ELF kernel image with its Xen notes.
 */
export function buildGuest(main: string, files: Record<string, string>): Uint8Array {
  const source = files[main];
  if (source === undefined) throw new GuestBuildError(`no guest source ${main}`);
  const result = assemble(source, { fileName: main, files, format: 'elf' });
  if (!result.ok) {
    throw new GuestBuildError(result.errors.map((e) => formatAsmError(e)).join('\n'));
  }
  return result.bytes;
}
