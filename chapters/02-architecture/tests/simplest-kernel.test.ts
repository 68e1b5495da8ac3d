// 02-simplest-kernel: the body of the simplest Xen kernel, in assembly (book §2.8). First the
// kernel runs with the test playing Xen — it sees each hypercall as the guest made it — and
// then it boots on the chapter's whole hypervisor through the toolstack.

import { describe, expect, test } from 'vitest';
import {
  EAX,
  EBX,
  ECX,
  EDX,
  ExitReason,
  PhysMemory,
  type Prng,
  run,
  translateForHost,
} from '../../../sim/host.ts';
import { guestSources, renderScreen, screenMismatch, testRng } from '../../testing/index.ts';
import { Toolstack } from '../src/dom0/toolstack.ts';
import { buildGuest } from '../src/guests/index.ts';
import {
  __HYPERVISOR_console_io,
  __HYPERVISOR_sched_op,
  CONSOLEIO_write,
  SCHEDOP_shutdown,
  SHUTDOWN_poweroff,
} from '../src/xen/abi.ts';
import { ENOSYS } from '../src/xen/errno.ts';
import { RunOutcome, runDomains } from '../src/xen/schedule.ts';
import { crashReport, vectorName } from '../src/xen/traps.ts';
import { Xen } from '../src/xen/xen.ts';

/** The fuel budget of 02-simplest-kernel in exercises.ts. */
const FUEL = 200_000;
/** What a debug build of Xen leaves in argument registers a hypercall used. */
const CLOBBER = 0xdeadbeef;

const image = () => buildGuest('simplest.asm', guestSources(import.meta.url));

/** A command line of a few words, without characters the screen comparison treats as masks. */
function randomCmdline(rng: Prng): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789=/._-,:';
  const words = Array.from({ length: 1 + rng.below(4) }, () => {
    let w = '';
    for (let i = 0, n = 1 + rng.below(12); i < n; i++) w += alphabet[rng.below(alphabet.length)];
    return w;
  });
  return words.join(' ');
}

interface Call {
  number: number;
  ebx: number;
  ecx: number;
  edx: number;
  /** console_io: the bytes written; sched_op(SCHEDOP_shutdown): the reason it points to. */
  text?: string;
  reason?: number;
}

/**
 * Builds the kernel into a domain and runs vCPU 0 with this function in Xen's place: each
 * `int 0x82` is recorded, console_io and sched_op answered, other hypercalls -ENOSYS. Stops at
 * the shutdown, a fault, or the fuel budget.
 */
function runWithTestAsXen(cmdline: string) {
  const xen = new Xen(new PhysMemory(32 << 20));
  const { domain } = xen.createDomain(image(), { name: 'simplest', memoryMiB: 16, cmdline });
  const vcpu = domain.vcpus[0]!;
  const cpu = vcpu.cpu;
  const calls: Call[] = [];
  const read = (va: number, length: number) => {
    let s = '';
    for (let i = 0; i < length; i++) {
      const pa = translateForHost(cpu, (va + i) >>> 0, false);
      if (pa < 0) return null;
      s += String.fromCharCode(xen.mem.read8(pa));
    }
    return s;
  };
  while (cpu.instructions < FUEL) {
    const exit = run(cpu, FUEL - cpu.instructions);
    if (exit === ExitReason.Fuel) break;
    const hypercall = exit === ExitReason.HostTrap && cpu.exitSoftware && cpu.exitVector === 0x82;
    if (!hypercall) {
      const what = exit === ExitReason.HostTrap ? vectorName(cpu.exitVector) : ExitReason[exit];
      return { calls, fault: crashReport(vcpu, `the kernel stopped: ${what}`).join('\n') };
    }
    const r = cpu.reg32;
    const call: Call = {
      number: r[EAX]! >>> 0,
      ebx: r[EBX]! >>> 0,
      ecx: r[ECX]! >>> 0,
      edx: r[EDX]! >>> 0,
    };
    calls.push(call);
    if (call.number === __HYPERVISOR_console_io) {
      call.text = read(call.edx, Math.min(call.ecx, 4096)) ?? undefined;
      r[EAX] = call.text === undefined ? -14 : 0;
      r[EBX] = r[ECX] = r[EDX] = CLOBBER;
    } else if (call.number === __HYPERVISOR_sched_op) {
      const bytes = read(call.ecx, 4);
      if (bytes !== null)
        call.reason = [...bytes].reduce((v, c, i) => v + c.charCodeAt(0) * 256 ** i, 0);
      if (call.ebx === SCHEDOP_shutdown) return { calls, fault: undefined };
      r[EAX] = -ENOSYS;
      r[EBX] = r[ECX] = CLOBBER;
    } else {
      r[EAX] = -ENOSYS;
    }
  }
  return { calls, fault: `the kernel was still running after ${FUEL} instructions` };
}

const describeCalls = (calls: Call[]) =>
  calls
    .map(
      (c) =>
        `  hypercall ${c.number} (EBX 0x${c.ebx.toString(16)}, ECX 0x${c.ecx.toString(16)}, ` +
        `EDX 0x${c.edx.toString(16)})${c.text === undefined ? '' : ` ${JSON.stringify(c.text)}`}`,
    )
    .join('\n') || '  (none)';

async function expectedScreen(cmdline: string) {
  return renderScreen(`Hello, Xen!\r\nCommand line: ${cmdline}\r\n`);
}

describe('02-simplest-kernel', () => {
  test('prints the greeting and its command line with console_io', async () => {
    const cmdline = randomCmdline(testRng('02-simplest-kernel/console'));
    const { calls, fault } = runWithTestAsXen(cmdline);
    const writes = calls.filter((c) => c.number === __HYPERVISOR_console_io);
    const context = `booted with command line "${cmdline}"; hypercalls made:\n${describeCalls(calls)}`;
    expect(
      fault === undefined ? 'shut down' : fault,
      `the kernel must run to its shutdown; ${context}`,
    ).toBe('shut down');
    for (const w of writes) {
      expect(
        w.ebx,
        `console_io's first argument (EBX) is the command, CONSOLEIO_write = 0 — set it before ` +
          `every call, since Xen may clobber argument registers; ${context}`,
      ).toBe(CONSOLEIO_write);
    }
    const text = writes.map((w) => w.text ?? '').join('');
    expect(
      text.includes('\0'),
      `the bytes written include a NUL: count the command line up to, not including, its NUL; ${context}`,
    ).toBe(false);
    const mismatch = screenMismatch(await renderScreen(text), await expectedScreen(cmdline));
    expect(mismatch, `${mismatch}\n${context}`).toBeUndefined();
    expect(
      JSON.stringify(text),
      `every byte written, in order: the greeting, the command line, then the CR LF at crlf ` +
        `(a screen looks the same without the last line end, the console's bytes do not); ${context}`,
    ).toBe(JSON.stringify(`Hello, Xen!\r\nCommand line: ${cmdline}\r\n`));
  });

  test('then shuts down with sched_op(SCHEDOP_shutdown, &SHUTDOWN_poweroff)', () => {
    const cmdline = randomCmdline(testRng('02-simplest-kernel/shutdown'));
    const { calls, fault } = runWithTestAsXen(cmdline);
    const last = calls.at(-1);
    const context = `hypercalls made:\n${describeCalls(calls)}${fault === undefined ? '' : `\n${fault}`}`;
    expect(
      last === undefined ? undefined : [last.number, last.ebx, last.reason],
      'the last hypercall is sched_op (29) with EBX = SCHEDOP_shutdown (2) and ECX pointing at ' +
        `a u32 holding SHUTDOWN_poweroff (0) — push it and pass ESP (book §2.7); ${context}`,
    ).toEqual([__HYPERVISOR_sched_op, SCHEDOP_shutdown, SHUTDOWN_poweroff]);
  });

  test('boots on your hypervisor and powers off (needs every exercise of this chapter)', async () => {
    const cmdline = randomCmdline(testRng('02-simplest-kernel/boot'));
    const xen = new Xen(new PhysMemory(32 << 20));
    const ts = new Toolstack(xen);
    const d = ts.create(image(), { name: 'simplest', memoryMiB: 16, cmdline });
    ts.start(d);
    const result = runDomains(xen, FUEL);
    const log = `Xen's log:\n${xen.logLines.map((l) => `  (XEN) ${l}`).join('\n')}`;
    expect(
      [result.outcome, d.shutdownReason],
      `booted through the toolstack with command line "${cmdline}", the kernel must power off ` +
        `(reason 0) within ${FUEL} instructions, leaving nothing to run; ${log}`,
    ).toEqual([RunOutcome.Idle, SHUTDOWN_poweroff]);
    const mismatch = screenMismatch(
      await renderScreen(ts.console(d)),
      await expectedScreen(cmdline),
    );
    expect(mismatch, `${mismatch}\n${log}`).toBeUndefined();
  });
});
