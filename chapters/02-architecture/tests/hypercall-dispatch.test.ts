// 02-hypercall-dispatch: from `int 0x82` to the handler through the hypercall table (book §2.3).
// The vCPU's registers are set by the test, as a guest's `int 0x82` would leave them, and
// doHypercall is called directly: no domain builder is involved.

import { describe, expect, test } from 'vitest';
import { EAX, EBP, EBX, ECX, EDI, EDX, ESI } from '../../../sim/host.ts';
import { testRng } from '../../testing/index.ts';
import {
  __HYPERVISOR_sched_op_compat,
  __HYPERVISOR_xen_version,
  SCHEDOP_shutdown,
  SCHEDOP_yield,
  XENVER_pagesize,
  XENVER_version,
} from '../src/xen/abi.ts';
import { ENOSYS } from '../src/xen/errno.ts';
import { doHypercall, type HypercallTrace, NR_hypercalls } from '../src/xen/hypercall.ts';
import { HYPERCALL_TABLE, HYPERCALLS } from '../src/xen/hypercall-table.ts';
import { doXenVersion } from '../src/xen/version.ts';
import { testGuest } from './fixtures.ts';

const ARG_REGS = [EBX, ECX, EDX, ESI, EDI, EBP] as const;
const REG_NAMES = ['EBX', 'ECX', 'EDX', 'ESI', 'EDI', 'EBP'];

/** Sets EAX and the argument registers as the guest would, runs doHypercall, returns EAX. */
function call(
  g: ReturnType<typeof testGuest>,
  nr: number,
  args: number[],
  traces?: HypercallTrace[],
) {
  g.cpu.reg32[EAX] = nr;
  ARG_REGS.forEach((r, i) => {
    g.cpu.reg32[r] = args[i] ?? 0;
  });
  doHypercall(g.ctx, traces === undefined ? null : (t) => traces.push(t));
  return g.cpu.reg32[EAX]! | 0;
}

const randomArgs = (rng: ReturnType<typeof testRng>) =>
  Array.from({ length: 6 }, () => rng.nextU32());

describe('02-hypercall-dispatch', () => {
  test('numbers at or above NR_hypercalls answer -ENOSYS in EAX', () => {
    const rng = testRng('02-hypercall-dispatch/out-of-range');
    const g = testGuest();
    const numbers = [
      NR_hypercalls,
      0xffffffff,
      ...Array.from({ length: 20 }, () => 64 + rng.below(0xffffffff - 64)),
    ];
    for (const nr of numbers) {
      const result = call(g, nr, randomArgs(rng));
      expect(
        result,
        `hypercall ${nr} (EAX = 0x${(nr >>> 0).toString(16)}) is past Xen's table of ` +
          `${NR_hypercalls}: it must return -ENOSYS (-38) in EAX, not touch the table (book §2.3)`,
      ).toBe(-ENOSYS);
    }
  });

  test('holes and hypercalls without a handler yet answer -ENOSYS', () => {
    const rng = testRng('02-hypercall-dispatch/unimplemented');
    const g = testGuest();
    const missing: number[] = [];
    for (let nr = 0; nr < NR_hypercalls; nr++) {
      if (g.xen.hypercalls[nr] === undefined) missing.push(nr);
    }
    for (let i = 0; i < 24; i++) {
      const nr = missing[rng.below(missing.length)]!;
      const name = HYPERCALL_TABLE[nr]?.name ?? 'an empty slot';
      expect(
        call(g, nr, randomArgs(rng)),
        `hypercall ${nr} (${name}) has no handler in this chapter: -ENOSYS, as an empty slot of ` +
          "Xen's table answers (book §2.3)",
      ).toBe(-ENOSYS);
    }
  });

  test("calls the number's handler and returns its result in EAX", () => {
    const g = testGuest();
    const expected = (cmd: number) => doXenVersion(g.ctx, new Uint32Array([cmd, 0, 0, 0, 0, 0]));
    expect(
      call(g, __HYPERVISOR_xen_version, [XENVER_version, 0]),
      'xen_version(XENVER_version) is hypercall 17; its handler returns major << 16 | minor, ' +
        'which must come back in EAX',
    ).toBe(expected(XENVER_version));
    expect(
      call(g, __HYPERVISOR_xen_version, [XENVER_pagesize, 0]),
      'xen_version(XENVER_pagesize) returns 4096',
    ).toBe(expected(XENVER_pagesize));
  });

  test('passes EBX, ECX, … as the handler’s arguments, in order', () => {
    const rng = testRng('02-hypercall-dispatch/arguments');
    for (let i = 0; i < 8; i++) {
      const g = testGuest();
      // sched_op_compat(SCHEDOP_shutdown, reason): the reason is the second argument, ECX.
      const reason = rng.below(5);
      const result = call(g, __HYPERVISOR_sched_op_compat, [
        SCHEDOP_shutdown,
        reason,
        rng.nextU32(),
        rng.nextU32(),
      ]);
      expect(result, 'sched_op_compat(SCHEDOP_shutdown, reason) returns 0').toBe(0);
      expect(
        g.domain.shutdownReason,
        `sched_op_compat (6) with EBX = SCHEDOP_shutdown and ECX = ${reason} must shut the ` +
          'domain down with that reason: EBX is argument 1, ECX argument 2 (book §2.3)',
      ).toBe(reason);
    }
    const g = testGuest();
    expect(
      call(g, __HYPERVISOR_sched_op_compat, [SCHEDOP_yield, 0]),
      'sched_op_compat(SCHEDOP_yield) returns 0',
    ).toBe(0);
    expect(g.vcpu.yielded, 'sched_op_compat(SCHEDOP_yield) must reach its handler').toBe(true);
  });

  test('traces each call: domain, vCPU, number, name, decoded arguments, result', () => {
    const rng = testRng('02-hypercall-dispatch/trace');
    const g = testGuest(1 + rng.below(100));
    const known = HYPERCALLS.filter(
      (h) => g.xen.hypercalls[h.number] === undefined && h.args.length > 0,
    );
    for (let i = 0; i < 12; i++) {
      const entry = known[rng.below(known.length)]!;
      const args = randomArgs(rng);
      const traces: HypercallTrace[] = [];
      call(g, entry.number, args, traces);
      expect(traces.length, `one trace record per hypercall (${entry.name})`).toBe(1);
      const t = traces[0]!;
      expect(
        { domid: t.domid, vcpu: t.vcpu, number: t.number, name: t.name, result: t.result },
        'the record names who called what, and the result the guest got',
      ).toEqual({
        domid: g.domain.domid,
        vcpu: 0,
        number: entry.number,
        name: entry.name,
        result: -ENOSYS,
      });
      entry.args.forEach((spec, k) => {
        const value = args[k]! >>> 0;
        const shown =
          spec.names !== undefined
            ? (spec.names[value] ?? String(value))
            : spec.format === 'dec'
              ? String(value)
              : `0x${value.toString(16)}`;
        expect(
          t.args[k],
          `${entry.name}'s argument ${k + 1} (${spec.name}) is ${REG_NAMES[k]} = 0x${value.toString(16)}; ` +
            "decode the arguments with the table's specs (decodeArgs)",
        ).toBe(`${spec.name}=${shown}`);
      });
      expect(t.args.length).toBe(entry.args.length);
    }
  });

  test('traces an unknown number as hypercall_N with its EAX', () => {
    const rng = testRng('02-hypercall-dispatch/trace-unknown');
    const g = testGuest();
    // EAX is unsigned: numbers from 2^31 on are large, not negative.
    const numbers = [
      NR_hypercalls + rng.below(100000),
      0x80000000 + rng.below(0x7fffffff),
      0xffffffff,
    ];
    for (const nr of numbers) {
      const traces: HypercallTrace[] = [];
      call(g, nr, randomArgs(rng), traces);
      expect(
        traces,
        `hypercall ${nr} (EAX = 0x${nr.toString(16)}) is unknown: its record says so, with the ` +
          'number read as an unsigned 32-bit value (reg32[EAX] >>> 0)',
      ).toEqual([
        {
          domid: 1,
          vcpu: 0,
          number: nr,
          name: `hypercall_${nr}`,
          args: [`eax=${nr}`],
          result: -ENOSYS,
        },
      ]);
    }
  });
});
