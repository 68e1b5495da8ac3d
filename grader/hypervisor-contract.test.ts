import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHAPTERS } from '../chapters/index.ts';
import { REPO_ROOT } from './cache.ts';

// The type checker holds each tree to `xenlab run`'s contract only if
// chapters/hypervisor-contract.ts names the tree: every snapshot with a hypervisor or a monitor.
describe('the hypervisor contract', () => {
  it('is checked against every chapter snapshot that has a hypervisor or a monitor', () => {
    const contract = readFileSync(join(REPO_ROOT, 'chapters', 'hypervisor-contract.ts'), 'utf8');
    const modules = ['xen/index.ts', 'guests/index.ts', 'dom0/toolstack.ts', 'monitor/index.ts'];
    const missing = CHAPTERS.flatMap((c) =>
      modules
        .map((m) => `./${c.slug}/src/${m}`)
        .filter((path) => existsSync(join(REPO_ROOT, 'chapters', path)))
        .filter((path) => !contract.includes(`'${path}'`)),
    );
    expect(missing, 'snapshots chapters/hypervisor-contract.ts does not check').toEqual([]);
  });
});
