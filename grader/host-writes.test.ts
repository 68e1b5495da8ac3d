import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkHostWrites, findDirectWrites } from './host-writes.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('host writes go through PhysMemory', () => {
  it('finds each kind of direct write, with its line', () => {
    const src = [
      'mem.ram[pa] = 1;',
      'mem.ram[pa] |= 2;',
      'mem.ram.set(bytes, pa);',
      'cpu.ram32[pa >>> 2] = v;',
      'const v = new DataView(mem.buffer);',
      'const ok = mem.ram[pa] === 1;',
      'const b = mem.ram[pa];',
    ].join('\n');
    expect(findDirectWrites('x.ts', src).map((w) => [w.line, w.name])).toEqual([
      [1, 'ram[i] = …'],
      [2, 'ram[i] = …'],
      [3, 'ram.set/fill'],
      [4, 'cpu.ram16/ram32'],
      [5, 'a view of mem.buffer'],
    ]);
  });

  it('holds for the hypervisor, the chapters, the grader, the site and the benchmarks', () => {
    const found = checkHostWrites(root).map((w) => `${w.file}:${w.line} ${w.name}: use ${w.use}`);
    expect(found, 'write machine memory through PhysMemory (sim/memory/memory.ts)').toEqual([]);
  });
});
