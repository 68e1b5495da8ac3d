// The chapter 04 visualiser's inspector: both domains of the grant-share scenario, as the site
// runs them, and what their grant tables show as the exchange goes on.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { asmSourcesUnder } from '../tools/asm-sources.ts';
import type { GrantTableView } from './.vitepress/theme/guest/grant-tables.ts';
import { INSPECTORS } from './.vitepress/theme/guest/inspectors.ts';
import { startGuest } from './.vitepress/theme/guest/session.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('grant-tables inspector', () => {
  it("shows the grant, the mapper's pins and mapping, then the grant ended", () => {
    const session = startGuest('grant-share', asmSourcesUnder(join(root, 'solutions/guests')));
    const inspect = () => INSPECTORS['grant-tables']!(session, {}) as GrantTableView[];
    expect(inspect().map((t) => [t.domid, t.name])).toEqual([
      [1, 'grant-share'],
      [2, 'grant-map'],
    ]);
    // Step until the mapper holds its mapping.
    while (!session.ended && inspect()[1]!.mappings.length === 0) session.run(100);
    const [granter, mapper] = inspect();
    const entry = granter!.entries.find((e) => e.ref === 8)!;
    expect(entry.flags, 'permit_access | reading | writing').toBe(1 | 8 | 16);
    expect(entry.domid).toBe(2);
    expect(entry.pin, 'one writable host pin').toBe(1);
    expect(mapper!.mappings).toEqual([{ handle: 0, granter: 1, ref: 8, flags: 2 }]);
    while (!session.ended) session.run(100_000);
    expect(inspect()[0]!.entries, 'the grant has ended').toEqual([]);
    expect(inspect()[1]!.mappings).toEqual([]);
  });
});
