// xenlab: file from 04
import { describe, expect, it } from 'vitest';
import { PhysMemory } from '../../sim/host.ts';
import { asmSourcesUnder } from '../../tools/asm-sources.ts';
import { mapGrantTable } from '../dom0/grant-table-setup.ts';
import { SCENARIOS, startScenario } from '../dom0/scenarios.ts';
import { Toolstack } from '../dom0/toolstack.ts';
import { DomainState } from '../xen/domain.ts';
import { formatTrace } from '../xen/hypercall.ts';
import { RunOutcome, runDomains } from '../xen/schedule.ts';
import { Xen } from '../xen/xen.ts';
import { buildGuest } from './index.ts';

const sources = (): Record<string, string> => asmSourcesUnder(import.meta.dirname);

describe('grant-share and grant-map', () => {
  it('share a page: message one way, reply the other, the grant ends after the unmap', () => {
    const traces: string[] = [];
    const xen = new Xen(new PhysMemory(64 << 20), { trace: (t) => traces.push(formatTrace(t)) });
    const ts = new Toolstack(xen);
    const granter = ts.create(buildGuest('grant-share.asm', sources()), {
      name: 'granter',
      memoryMiB: 8,
      cmdline: `peer=${xen.nextDomainId + 1}`,
      seed: 4,
    });
    mapGrantTable(xen, granter);
    ts.start(granter);
    // Alone, the granter grants and then waits for a reply that cannot come yet.
    expect(runDomains(xen, 100_000).outcome).toBe(RunOutcome.FuelExhausted);
    expect(ts.console(granter)).toBe(
      'grant table: 4 frames of at most 32\r\ngranted ref 8 to domain 2\r\n',
    );
    const mapper = ts.create(buildGuest('grant-map.asm', sources()), {
      name: 'mapper',
      memoryMiB: 8,
      cmdline: `dom=${granter.domid} ref=8`,
      seed: 5,
    });
    ts.start(mapper);
    expect(runDomains(xen, 1_000_000).outcome).toBe(RunOutcome.Idle);
    expect(ts.console(granter)).toBe(
      'grant table: 4 frames of at most 32\r\n' +
        'granted ref 8 to domain 2\r\n' +
        'reply: Hello back from the mapping domain!\r\n' +
        'end_access refused: the page is still mapped\r\n' +
        'grant ended\r\n',
    );
    expect(ts.console(mapper)).toBe(
      'mapping ref 8 of domain 1\r\n' +
        'it says: Hello through a granted page!\r\n' +
        'unmapped, status 0\r\n',
    );
    expect([granter.state, mapper.state]).toEqual([DomainState.Shutdown, DomainState.Shutdown]);
    const grantOps = traces
      .filter((t) => t.includes('grant_table_op'))
      .map((t) => t.replace(/uop=0x[0-9a-f]+/, 'uop=…'));
    // Domain 0's toolstack sets up the granter's table through the same hypercall.
    expect(grantOps).toEqual([
      'd0v0 grant_table_op(cmd=GNTTABOP_setup_table, uop=…, count=1) = 0',
      'd1v0 grant_table_op(cmd=GNTTABOP_query_size, uop=…, count=1) = 0',
      'd2v0 grant_table_op(cmd=GNTTABOP_map_grant_ref, uop=…, count=1) = 0',
      'd2v0 grant_table_op(cmd=GNTTABOP_unmap_grant_ref, uop=…, count=1) = 0',
    ]);
  });

  it('booted alone, as the book console does, each says what it needs', () => {
    const xen = new Xen(new PhysMemory(64 << 20));
    const ts = new Toolstack(xen);
    const config = { memoryMiB: 8, cmdline: '' };
    const share = ts.create(buildGuest('grant-share.asm', sources()), { name: 's', ...config });
    const map = ts.create(buildGuest('grant-map.asm', sources()), { name: 'm', ...config });
    ts.start(share);
    ts.start(map);
    expect(runDomains(xen, 1_000_000).outcome).toBe(RunOutcome.Idle);
    expect(ts.console(share)).toBe(
      'grant table: 4 frames of at most 32\r\n' +
        'no peer: boot with peer=DOMID on the command line\r\n',
    );
    expect(ts.console(map)).toBe('no grant: boot with dom=DOMID ref=REF on the command line\r\n');
    expect([share.shutdownReason, map.shutdownReason]).toEqual([0, 0]);
  });

  it('as a scenario, started together, they run the same exchange', () => {
    const xen = new Xen(new PhysMemory(80 << 20));
    const ts = new Toolstack(xen);
    const image = (guest: string) => buildGuest(`${guest}.asm`, sources());
    const [granter, mapper] = startScenario(ts, SCENARIOS['grant-share']!, image, 32);
    expect(runDomains(xen, 2_000_000).outcome).toBe(RunOutcome.Idle);
    expect(ts.console(granter!)).toContain('end_access refused: the page is still mapped\r\n');
    expect(ts.console(granter!)).toContain('grant ended\r\n');
    expect(ts.console(mapper!)).toBe(
      'mapping ref 8 of domain 1\r\n' +
        'it says: Hello through a granted page!\r\n' +
        'unmapped, status 0\r\n',
    );
  });
});
