import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkDeterminism, findWallClock } from './determinism.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
/** sim/ and every copy of the hypervisor: the master source and the staged chapters. */
const DETERMINISTIC_FOLDERS = ['sim', 'solutions', 'chapters'].filter((f) =>
  existsSync(`${root}/${f}`),
);

describe('determinism: no wall clock or unseeded randomness', () => {
  it('finds each forbidden call, with its line', () => {
    const src = [
      'const a = Date.now();',
      'const b = new Date();',
      'const c = performance.now();',
      'const d = Math.random();',
    ].join('\n');
    expect(findWallClock('x.ts', src).map((v) => [v.line, v.name])).toEqual([
      [1, 'Date.now()'],
      [2, 'new Date'],
      [3, 'performance.now()'],
      [4, 'Math.random()'],
    ]);
  });

  it('lets a Date format a time it is given, but not read the clock', () => {
    const src = [
      'const a = new Date(secs * 1000);',
      'const b = new Date ();',
      'const c = new Date;',
    ];
    expect(findWallClock('x.ts', src.join('\n')).map((v) => v.line)).toEqual([2, 3]);
  });

  it('lets comments mention the forbidden calls', () => {
    const src = '// never call Date.now() here\n/* nor Math.random() */\nconst x = 1;';
    expect(findWallClock('x.ts', src)).toEqual([]);
  });

  it('sim/, solutions/ and chapters/ use only virtual time and seeded randomness', () => {
    const violations = checkDeterminism(root, DETERMINISTIC_FOLDERS);
    const report = violations.map((v) => `${v.file}:${v.line}: ${v.name} — use ${v.use}`);
    expect(report).toEqual([]);
  });
});
