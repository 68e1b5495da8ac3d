// 04-guest-map and 04-guest-grant: the book's exercises 4.4 (a guest maps a page another
// domain granted it) and 4.5 (two guests share a page), as real x86 guests on the machine.

import { describe, expect, test } from 'vitest';
import { PAGE_SIZE, PhysMemory } from '../../../sim/host.ts';
import { screenMismatch, testRng } from '../../testing/index.ts';
import { guestSources } from '../../testing/src.ts';
import { mapGrantTable } from '../src/dom0/grant-table-setup.ts';
import { buildGuest } from '../src/guests/index.ts';
import {
  type Domain,
  DomainState,
  GTF_permit_access,
  GTF_readonly,
  runDomains,
  Xen,
} from '../src/xen/index.ts';
import {
  type Entry,
  grantWorld,
  guestImage,
  randomGrant,
  readGrant,
  runUntil,
  screenOf,
  writeGrant,
} from './world.ts';

const FUEL = 2_000_000;
const REPLY = 2048;
const ACK = 4092;

function cString(xen: Xen, ma: number): string {
  let s = '';
  for (let c = xen.mem.read8(ma); c !== 0 && s.length < 200; c = xen.mem.read8(ma + s.length)) {
    s += String.fromCharCode(c);
  }
  return s;
}

const printed = (xen: Xen, d: Domain) => xen.consoleOutput.get(d.domid) ?? '';

describe('04-guest-map', () => {
  test('grant-map maps the page it was told about, reads it, answers, and unmaps', async () => {
    const rng = testRng('guest-map');
    const { xen, domains } = grantWorld(['granter'], rng.nextU32());
    const granter = domains[0]!;
    const message = `note ${rng.nextU32().toString(16)} from d${granter.domid}`;
    const mapperId = xen.nextDomainId;
    const { ref, entry } = randomGrant(rng, granter, { domid: mapperId }, false);
    writeGrant(xen, granter, ref, entry);
    const page = entry.frame * PAGE_SIZE;
    xen.mem.fill(page, PAGE_SIZE, 0);
    for (let i = 0; i < message.length; i++) xen.mem.write8(page + i, message.charCodeAt(i));
    const mapper = xen.createDomain(guestImage('grant-map.asm'), {
      name: 'mapper',
      memoryMiB: 8,
      cmdline: `dom=${granter.domid} ref=${ref}`,
      seed: rng.nextU32(),
    }).domain;
    xen.unpauseDomain(mapper);
    const answered = runUntil(xen, FUEL, () => cString(xen, page + REPLY) !== '');
    expect(
      answered,
      `the mapper should answer in the granted page; it printed:\n${printed(xen, mapper)}`,
    ).toBe(true);
    expect(cString(xen, page + REPLY)).toBe('Hello back from the mapping domain!');
    expect(
      readGrant(xen, granter, ref).flags,
      'mapped read-write: the granter sees reading+writing',
    ).toBe(GTF_permit_access | 8 | 16);
    xen.mem.write32(page + ACK, 1);
    runUntil(xen, FUEL, () => mapper.state === DomainState.Shutdown);
    expect(
      mapper.shutdownReason,
      `the mapper should power off; it printed:\n${printed(xen, mapper)}`,
    ).toBe(0);
    const mismatch = screenMismatch(await screenOf(xen, mapper), [
      `mapping ref ${ref} of domain ${granter.domid}`,
      `it says: ${message}`,
      'unmapped, status 0',
    ]);
    expect(mismatch, mismatch).toBeUndefined();
    expect(readGrant(xen, granter, ref), 'after the unmap the entry is as granted').toEqual(entry);
    expect(granter.grantTable!.active[ref]!.pin, 'no pins left after the unmap').toBe(0);
  });

  test('grant-map reports the refusal when the grant was made to someone else', async () => {
    const rng = testRng('guest-map-refused');
    const { xen, domains } = grantWorld(['granter'], rng.nextU32());
    const granter = domains[0]!;
    const { ref, entry } = randomGrant(rng, granter, { domid: 100 + rng.below(100) }, false);
    writeGrant(xen, granter, ref, entry);
    const mapper = xen.createDomain(guestImage('grant-map.asm'), {
      name: 'mapper',
      memoryMiB: 8,
      cmdline: `dom=${granter.domid} ref=${ref}`,
    }).domain;
    xen.unpauseDomain(mapper);
    runUntil(xen, FUEL, () => mapper.state === DomainState.Shutdown);
    const mismatch = screenMismatch(await screenOf(xen, mapper), [
      `mapping ref ${ref} of domain ${granter.domid}`,
      'map_grant_ref failed, status -1',
    ]);
    expect(mismatch, mismatch).toBeUndefined();
  });
});

/**
 * A guest that makes two grants with gnttab_grant_access, each of a page of its own to a domain
 * and at a ref the test chose: `grants[i]` is [ref, domid, readonly].
 */
function grantingGuest(grants: [number, number, boolean][]): Uint8Array {
  const calls = grants.map(
    ([ref, domid, readonly], i) => `
  mov eax, page${i}
  call virt_to_mfn
  mov edx, eax
  mov ebx, ${ref}
  mov ecx, ${domid}
  mov esi, ${readonly ? 1 : 0}
  call gnttab_grant_access`,
  );
  const pages = grants.map((_, i) => `alignb 4096\npage${i}: resb 4096`).join('\n');
  const source = `%include "lib/head.asm"\nsection .text\nmain:${calls.join('')}\n  ret\nsection .bss\n${pages}\n%include "lib/gnttab.asm"\n`;
  const files = { ...guestSources(import.meta.url), 'granting.asm': source };
  return buildGuest('granting.asm', files);
}

describe('04-guest-grant', () => {
  test('gnttab_grant_access: domid and frame are in place before the flags make the entry live', () => {
    const rng = testRng('guest-grant-order');
    const xen = new Xen(new PhysMemory(64 << 20));
    const first = 8 + rng.below(1000);
    const grants: [number, number, boolean][] = [
      [first, 1 + rng.below(0x7000), rng.below(2) === 1],
      [first + 1 + rng.below(1000), 1 + rng.below(0x7000), false],
    ];
    grants[1]![2] = !grants[0]![2];
    const d = xen.createDomain(grantingGuest(grants), {
      name: 'granting',
      memoryMiB: 8,
      cmdline: '',
      seed: rng.nextU32(),
    }).domain;
    mapGrantTable(xen, d);
    // Entries ended earlier keep their old domid and frame: only the flags say they are dead.
    for (const [ref] of grants) {
      writeGrant(xen, d, ref, { flags: 0, domid: 1 + rng.below(0x7000), frame: rng.nextU32() });
    }
    // The guest runs one instruction at a time; after each, Xen's view of both entries.
    const seen: Entry[][] = [grants.map(([ref]) => readGrant(xen, d, ref))];
    xen.unpauseDomain(d);
    for (let i = 0; i < 200_000 && d.shutdownReason < 0; i++) {
      runDomains(xen, 1);
      seen.push(grants.map(([ref]) => readGrant(xen, d, ref)));
    }
    expect(
      d.shutdownReason,
      `the guest should finish; it printed ${JSON.stringify(printed(xen, d))}`,
    ).toBeGreaterThanOrEqual(0);
    grants.forEach(([ref, domid, readonly], g) => {
      const final = seen[seen.length - 1]![g]!;
      expect(
        { flags: final.flags, domid: final.domid, owner: xen.heap.owner[final.frame] },
        `grant ${g + 1}: ref ${ref} to domain ${domid}, ${readonly ? 'read-only (ESI ≠ 0): GTF_readonly set' : 'read-write (ESI = 0): no GTF_readonly'}, of a frame of the guest`,
      ).toEqual({
        flags: GTF_permit_access | (readonly ? GTF_readonly : 0),
        domid,
        owner: d.domid,
      });
      const early = seen.find(
        (s) =>
          (s[g]!.flags & 3) === GTF_permit_access &&
          (s[g]!.domid !== final.domid || s[g]!.frame !== final.frame),
      );
      expect(
        early?.[g],
        `grant ${g + 1} (ref ${ref}): Xen may use an entry the moment its flags say ` +
          'GTF_permit_access, so domid and frame must be written BEFORE the flags; after one ' +
          'guest instruction the entry was live with an old or half-written domid/frame ' +
          '(book §4.2)',
      ).toBeUndefined();
    });
  });

  test('grant-share grants the page holding its message to its peer, flags written last', () => {
    const rng = testRng('guest-grant');
    const xen = new Xen(new PhysMemory(64 << 20));
    const peer = 2 + rng.below(0x7000);
    const granter = xen.createDomain(guestImage('grant-share.asm'), {
      name: 'granter',
      memoryMiB: 8,
      cmdline: `peer=${peer}`,
      seed: rng.nextU32(),
    }).domain;
    mapGrantTable(xen, granter);
    xen.unpauseDomain(granter);
    runUntil(xen, FUEL, () => printed(xen, granter).includes('granted ref'));
    expect(printed(xen, granter)).toContain(`granted ref 8 to domain ${peer}`);
    const entry = readGrant(xen, granter, 8);
    expect(entry.flags, 'a read-write permit_access grant').toBe(GTF_permit_access);
    expect(entry.domid, 'granted to the peer from the command line').toBe(peer);
    expect(xen.heap.owner[entry.frame], 'a frame of the granter').toBe(granter.domid);
    expect(cString(xen, entry.frame * PAGE_SIZE), 'the granted frame holds the message').toBe(
      'Hello through a granted page!',
    );
  });

  test('two VMs share a page: message, reply, no end while mapped, end after unmap', async () => {
    const rng = testRng('guest-share');
    const xen = new Xen(new PhysMemory(64 << 20));
    const granter = xen.createDomain(guestImage('grant-share.asm'), {
      name: 'granter',
      memoryMiB: 8,
      cmdline: `peer=${xen.nextDomainId + 1}`,
      seed: rng.nextU32(),
    }).domain;
    mapGrantTable(xen, granter);
    xen.unpauseDomain(granter);
    runUntil(xen, FUEL, () => printed(xen, granter).includes('granted ref'));
    // The toolstack passes the reference out of band, as the granter printed it.
    const ref = Number(/granted ref (\d+)/.exec(printed(xen, granter))?.[1]);
    const mapper = xen.createDomain(guestImage('grant-map.asm'), {
      name: 'mapper',
      memoryMiB: 8,
      cmdline: `dom=${granter.domid} ref=${ref}`,
      seed: rng.nextU32(),
    }).domain;
    xen.unpauseDomain(mapper);
    runUntil(
      xen,
      FUEL,
      () => granter.state === DomainState.Shutdown && mapper.state === DomainState.Shutdown,
    );
    const g = screenMismatch(await screenOf(xen, granter), [
      'grant table: 4 frames of at most 32',
      `granted ref 8 to domain ${mapper.domid}`,
      'reply: Hello back from the mapping domain!',
      'end_access refused: the page is still mapped',
      'grant ended',
    ]);
    expect(g, g).toBeUndefined();
    const m = screenMismatch(await screenOf(xen, mapper), [
      `mapping ref 8 of domain ${granter.domid}`,
      'it says: Hello through a granted page!',
      'unmapped, status 0',
    ]);
    expect(m, m).toBeUndefined();
    expect(readGrant(xen, granter, 8).flags, 'the grant has ended').toBe(0);
  });
});
