// xenlab: file from 05
import { describe, expect, it } from 'vitest';
import { ESP, VEC_GP } from '../../sim/host.ts';
import { __HYPERVISOR_set_trap_table, FLAT_KERNEL_CS, SHUTDOWN_crash } from './abi.ts';
import { bootTestDomain } from './testing/boot.ts';
import { pvTraps } from './trap-table.ts';
import { handleHostTrap } from './traps.ts';

/** A guest with one trap_info entry: `vector` → 0x1000, DPL `dpl`. */
function withEntry(vector: number, dpl: number) {
  const g = bootTestDomain();
  g.poke(0x20000, [vector, dpl, FLAT_KERNEL_CS & 0xff, FLAT_KERNEL_CS >> 8, 0, 0x10, 0, 0]);
  g.poke(0x20008, [0, 0, 0, 0, 0, 0, 0, 0]);
  expect(g.hypercall(__HYPERVISOR_set_trap_table, [0x20000])).toBe(0);
  g.cpu.reg32[ESP] = 0x30000;
  g.cpu.eip = 0x500;
  return g;
}

/** The vCPU stops as `int n` through a DPL-0 gate stops it: #GP(n*8+2), EIP at the INT. */
function softwareInt(g: ReturnType<typeof bootTestDomain>, n: number) {
  g.cpu.exitSoftware = false;
  g.cpu.exitVector = VEC_GP;
  g.cpu.exitHasErrorCode = true;
  g.cpu.exitErrorCode = n * 8 + 2;
  handleHostTrap(g.xen, g.vcpu);
}

describe('bounces', () => {
  it('delivers INT n as vector n when the entry allows it from ring 1', () => {
    const g = withEntry(0x80, 3);
    softwareInt(g, 0x80);
    expect(g.cpu.eip).toBe(0x1000);
    const frame = g.peek(0x30000 - 12, 4);
    expect(frame[0] | (frame[1]! << 8)).toBe(0x502); // no error code: EIP after `int 0x80`
  });

  it('turns a forbidden INT n into #GP, which crashes a guest without a #GP handler', () => {
    const g = withEntry(0x80, 0);
    softwareInt(g, 0x80);
    expect(g.domain.shutdownReason).toBe(SHUTDOWN_crash);
  });

  it('set_trap_table(NULL) clears the table', () => {
    const g = withEntry(14, 0);
    expect(g.hypercall(__HYPERVISOR_set_trap_table, [0])).toBe(0);
    expect(pvTraps(g.vcpu).table).toEqual([]);
  });
});
