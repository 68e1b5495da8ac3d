// 05-bounce-frame: Xen hands a page fault to the guest's own handler (book §5.7.2). First the
// frame itself, built for a vCPU the test stops at a fault; then a real guest that demand-maps
// a page from its handler.

import { describe, expect, test } from 'vitest';
import { CS, ESP, FLAG_IF, getEflags, PhysMemory, SS } from '../../../sim/host.ts';
import { guestSources, renderScreen, screenMismatch, testRng } from '../../testing/index.ts';
import { buildGuest } from '../src/guests/index.ts';
import {
  __HYPERVISOR_set_trap_table,
  __HYPERVISOR_stack_switch,
  FLAT_KERNEL_CS,
  FLAT_KERNEL_DS,
  FLAT_USER_CS,
  FLAT_USER_DS,
  SHUTDOWN_crash,
} from '../src/xen/abi.ts';
import { runDomains } from '../src/xen/schedule.ts';
import { vcpuInfoMa } from '../src/xen/shared-info.ts';
import { handleHostTrap } from '../src/xen/traps.ts';
import { loadFlatSegment } from '../src/xen/x86-desc.ts';
import { Xen } from '../src/xen/xen.ts';
import { BATCH, type Guest, guest, hex } from './fixtures.ts';

const FUEL = 2_000_000;

/** Registers `handler` for `vector` with `flags` through set_trap_table. */
function trapTable(g: Guest, vector: number, flags: number, handler: number) {
  const b = new Uint8Array(16);
  const v = new DataView(b.buffer);
  v.setUint8(0, vector);
  v.setUint8(1, flags);
  v.setUint16(2, FLAT_KERNEL_CS, true);
  v.setUint32(4, handler, true);
  g.poke(BATCH, b);
  expect(g.hypercall(__HYPERVISOR_set_trap_table, [BATCH])).toBe(0);
}

/** Stops the vCPU as the CPU does at a page fault: EIP at the instruction, CR2 the address. */
function pageFault(g: Guest, errorCode: number, cr2: number) {
  const cpu = g.cpu;
  cpu.cr2 = cr2;
  cpu.exitSoftware = false;
  cpu.exitVector = 14;
  cpu.exitHasErrorCode = true;
  cpu.exitErrorCode = errorCode;
  handleHostTrap(g.xen, g.vcpu);
}

const words = (g: Guest, va: number, n: number) =>
  Array.from({ length: n }, (_, i) =>
    g.peek(va + i * 4, 4).reduce((a, b, k) => a + b * 256 ** k, 0),
  );

describe('05-bounce-frame', () => {
  test('a fault in ring 1: error code, EIP, CS with the mask, EFLAGS on the current stack', () => {
    const rng = testRng('05-bounce-frame/ring1');
    // Every combination of the guest's upcall mask and the trap's TI_MASK_EVENTS flag.
    const combos = [0, 1].flatMap((mask) =>
      [false, true].map((maskEvents) => ({ mask, maskEvents })),
    );
    for (const { mask, maskEvents } of combos) {
      const g = guest();
      const handler = 0x1000 + rng.below(0x1000);
      trapTable(g, 14, maskEvents ? 4 : 0, handler);
      g.xen.mem.write8(vcpuInfoMa(g.vcpu.domain, g.vcpu.id) + 1, mask);
      const esp = g.freeVa(rng) + 0x800 + 4 * rng.below(64);
      const eip = rng.below(0x3000);
      const cr2 = rng.nextU32() & ~3;
      const errorCode = rng.below(8);
      g.cpu.reg32[ESP] = esp;
      g.cpu.eip = eip;
      const eflags = getEflags(g.cpu);
      pageFault(g, errorCode, cr2);
      expect(g.domain.shutdownReason, 'the domain keeps running').toBe(-1);
      expect(g.cpu.eip, 'the vCPU continues at the handler').toBe(handler);
      expect(g.cpu.reg32[ESP]! >>> 0, 'four words were pushed').toBe(esp - 16);
      expect(
        words(g, esp - 16, 4),
        `the frame, lowest address first, with the upcall mask ${mask}: the saved mask rides in ` +
          'bits 16–23 of the CS slot, and the saved EFLAGS.IF is the inverse of the mask (a PV ' +
          'guest’s "interrupts enabled" is its events unmasked) (book §5.9)',
      ).toEqual([
        errorCode,
        eip,
        (FLAT_KERNEL_CS | (mask << 16)) >>> 0,
        ((eflags & ~FLAG_IF) | (mask ? 0 : FLAG_IF)) >>> 0,
      ]);
      expect(
        g.xen.mem.read32(vcpuInfoMa(g.vcpu.domain, g.vcpu.id) + 8) >>> 0,
        `vcpu_info.arch.cr2 holds the faulting address ${hex(cr2)}`,
      ).toBe(cr2 >>> 0);
      expect(
        g.xen.mem.read8(vcpuInfoMa(g.vcpu.domain, g.vcpu.id) + 1),
        'the mask, set only if asked',
      ).toBe(maskEvents ? 1 : mask);
      expect([g.cpu.segSelector[CS], g.cpu.cpl]).toEqual([FLAT_KERNEL_CS, 1]);
    }
  });

  test('a fault in ring 3 lands on the stack_switch stack with the user ESP and SS', () => {
    const rng = testRng('05-bounce-frame/ring3');
    const g = guest();
    trapTable(g, 14, 0, 0x1000);
    const kernelSp = g.freeVa(rng) + 0xff0;
    expect(g.hypercall(__HYPERVISOR_stack_switch, [FLAT_KERNEL_DS, kernelSp])).toBe(0);
    const userEsp = rng.nextU32() & ~3;
    loadFlatSegment(g.cpu, g.xen.area, SS, FLAT_USER_DS);
    loadFlatSegment(g.cpu, g.xen.area, CS, FLAT_USER_CS);
    g.cpu.cpl = 3;
    g.cpu.reg32[ESP] = userEsp;
    g.cpu.eip = 0x2345;
    pageFault(g, 4 | rng.below(4), 0x1234);
    expect(g.cpu.reg32[ESP]! >>> 0).toBe(kernelSp - 24);
    expect(words(g, kernelSp - 24, 6).slice(4), 'the interrupted user stack on top').toEqual([
      userEsp >>> 0,
      FLAT_USER_DS,
    ]);
    expect([g.cpu.segSelector[SS], g.cpu.cpl, g.cpu.eip]).toEqual([FLAT_KERNEL_DS, 1, 0x1000]);
  });

  test('a kernel stack that cannot take the frame crashes the domain, not Xen', () => {
    const rng = testRng('05-bounce-frame/bad-stack');
    const g = guest();
    trapTable(g, 14, 0, 0x1000);
    g.cpu.reg32[ESP] = 0x40000000 + rng.below(0x1000) * 4;
    pageFault(g, 2, 0x40000000);
    expect(g.domain.shutdownReason).toBe(SHUTDOWN_crash);
    expect(g.xen.panicReport).toBe(null);
  });

  test('a guest handles its own page fault and carries on', async () => {
    const xen = new Xen(new PhysMemory(48 << 20));
    const image = buildGuest('pagefault.asm', guestSources(import.meta.url));
    const { domain } = xen.createDomain(image, { name: 'pagefault', memoryMiB: 16, cmdline: '' });
    domain.unpause();
    runDomains(xen, FUEL);
    const screen = await renderScreen(xen.consoleOutput.get(domain.domid) ?? '');
    const mismatch = screenMismatch(screen, [
      'page fault at 0x{{va}} (error code 2), mapping it',
      'read back 1234567 after page faults: 1',
    ]);
    expect(mismatch, `${mismatch}\n${xen.logLines.join('\n')}`).toBeUndefined();
  });
});
