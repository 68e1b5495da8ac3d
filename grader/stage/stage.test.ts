import { describe, expect, test } from 'vitest';
import { generateSnapshot, type ManifestEntry, parseTree, rebaseImports } from './generate.ts';
import { parseMarkers } from './markers.ts';

const CHAPTERS = ['01', '02', '03', '04', 'A'];

function tree(files: Record<string, string>, manifests: Record<string, ManifestEntry[]> = {}) {
  return parseTree({ chapters: CHAPTERS, files, manifests });
}

function stage(
  files: Record<string, string>,
  chapter: string,
  manifests: Record<string, ManifestEntry[]> = {},
  solved = false,
) {
  const { tree: t, errors } = tree(files, manifests);
  expect(errors).toEqual([]);
  return generateSnapshot(t, chapter, { slug: `${chapter}-slug`, solved });
}

/** A snapshot file without its generated header line. */
function body(text: string | undefined): string {
  return (text ?? '(missing)').split('\n').slice(1).join('\n');
}

function errorsOf(path: string, text: string): string[] {
  return parseMarkers(path, text, { chapters: CHAPTERS }).errors.map(
    (e) => `${e.line}: ${e.message}`,
  );
}

const lines = (...l: string[]) => l.join('\n');

describe('file markers', () => {
  const files = {
    'a.ts': lines('// A', '// xenlab: file from 02', 'export const a = 1;'),
    'b.ts': lines('// B', '// xenlab: file from 03', 'export const b = 2;'),
    'b.test.ts': lines('// xenlab: file from 02', "test('x', () => {});"),
    'notes.ts': lines('// no marker', 'export const n = 3;'),
    'README.md': '# solutions',
  };

  test('a file exists from its chapter on; tests and unmarked files never', () => {
    expect(Object.keys(stage(files, '01'))).toEqual([]);
    expect(Object.keys(stage(files, '02'))).toEqual(['a.ts']);
    expect(Object.keys(stage(files, '03'))).toEqual(['a.ts', 'b.ts']);
    expect(Object.keys(stage(files, 'A'))).toEqual(['a.ts', 'b.ts']);
  });

  test('the marker line is dropped and a header says where the file comes from', () => {
    const out = stage(files, '02')['a.ts']!;
    expect(out).toBe(
      lines(
        '// Your working copy for chapter 02, generated from solutions/a.ts by npx xenlab stage.',
        '// A',
        'export const a = 1;',
      ),
    );
    const solved = stage(files, '02', {}, true)['a.ts']!;
    expect(solved.split('\n')[0]).toBe(
      '// The solved snapshot of chapter 02, generated from solutions/a.ts by npx xenlab stage.',
    );
  });

  test('output is deterministic', () => {
    expect(JSON.stringify(stage(files, '03'))).toBe(JSON.stringify(stage(files, '03')));
  });
});

describe('region markers', () => {
  const file = lines(
    '// xenlab: file from 02',
    'const base = 0;',
    '',
    '// xenlab: region later from 03',
    'const later = 1;',
    '// xenlab: end later',
    '',
    '// xenlab: region replaced from 02 until 04',
    'const old = 2;',
    '// xenlab: end replaced',
    '',
    'const tail = 3;',
  );

  test('region lines exist from their chapter, until its end chapter', () => {
    expect(body(stage({ 'f.ts': file }, '02')['f.ts'])).toBe(
      lines('const base = 0;', '', 'const old = 2;', '', 'const tail = 3;'),
    );
    expect(body(stage({ 'f.ts': file }, '03')['f.ts'])).toBe(
      lines('const base = 0;', '', 'const later = 1;', '', 'const old = 2;', '', 'const tail = 3;'),
    );
    expect(body(stage({ 'f.ts': file }, '04')['f.ts'])).toBe(
      lines('const base = 0;', '', 'const later = 1;', '', 'const tail = 3;'),
    );
  });
});

describe('exercise markers', () => {
  const manifests = {
    '02': [{ id: '02-add', section: '2.4' }],
    '03': [{ id: '03-sub', section: '3.1' }],
  };
  const files = {
    'exercise.ts': lines('// xenlab: file from 01', 'export class NotImplemented {}'),
    'xen/math.ts': lines(
      '// Math: book §2.4',
      '// xenlab: file from 02',
      '',
      "import { two } from './two.ts';",
      '',
      'export function add(a: number, b: number): number {',
      '  // xenlab: exercise 02-add',
      '  return a + b + two - 2;',
      '  // xenlab: end 02-add',
      '}',
      '',
      '// xenlab: region sub from 03',
      'export function sub(a: number, b: number): number {',
      '  // xenlab: exercise 03-sub',
      '  return a - b;',
      '  // xenlab: starter',
      '  // // TODO(03-sub): subtract (book §3.1)',
      '  //',
      '  // return 0;',
      '  // xenlab: end 03-sub',
      '}',
      '// xenlab: end sub',
    ),
    'xen/two.ts': lines('// xenlab: file from 02', 'export const two = 2;'),
    'guests/exit.asm': lines(
      '; exit',
      '; xenlab: file from 02',
      'exit:',
      '; xenlab: exercise 02-add',
      '.again:',
      '  mov eax, 1',
      '  int 0x82',
      '; xenlab: end 02-add',
      '  jmp exit',
    ),
  };

  test("in its own chapter's starter the body becomes a stub that throws NotImplemented", () => {
    const out = stage(files, '02', manifests)['xen/math.ts']!;
    expect(body(out)).toBe(
      lines(
        '// Math: book §2.4',
        '',
        "import { NotImplemented } from '../exercise.ts';",
        "import { two } from './two.ts';",
        '',
        'export function add(a: number, b: number): number {',
        "  throw new NotImplemented('02-add', '2.4');",
        '}',
        '',
      ),
    );
  });

  test('in assembly the stub names the exercise and executes ud2', () => {
    expect(body(stage(files, '02', manifests)['guests/exit.asm'])).toBe(
      lines(
        '; exit',
        'exit:',
        '  ; TODO(02-add): not implemented yet (book §2.4); npx xenlab hint 02-add',
        '  ud2',
        '  jmp exit',
      ),
    );
  });

  test('a custom starter replaces the body, uncommented', () => {
    const out = stage(files, '03', manifests)['xen/math.ts']!;
    expect(body(out)).toContain(
      lines(
        'export function sub(a: number, b: number): number {',
        '  // TODO(03-sub): subtract (book §3.1)',
        '',
        '  return 0;',
        '}',
      ),
    );
    expect(out).not.toContain('NotImplemented');
    // Chapter 02's exercise is solved by chapter 03.
    expect(out).toContain('  return a + b + two - 2;');
  });

  test('the solved snapshot keeps every solution and drops every starter', () => {
    const out = stage(files, '03', manifests, true)['xen/math.ts']!;
    expect(out).toContain('  return a - b;');
    expect(out).not.toContain('TODO(03-sub)');
    expect(out).not.toContain('xenlab:');
  });
});

describe('imports that leave solutions/', () => {
  test('are rebased for chapters/SLUG/src; imports inside stay', () => {
    expect(
      rebaseImports("import { Cpu } from '../../sim/cpu/cpu.ts';", 'xen/builder.ts', '02-x'),
    ).toBe("import { Cpu } from '../../../../sim/cpu/cpu.ts';");
    expect(rebaseImports("} from '../../../sim/prng.ts';", 'xen/testing/boot.ts', '02-x')).toBe(
      "} from '../../../../../sim/prng.ts';",
    );
    expect(rebaseImports("import { a } from './abi.ts';", 'xen/x.ts', '02-x')).toBe(
      "import { a } from './abi.ts';",
    );
    expect(rebaseImports("const m = await import('../sim/x.ts');", 'top.ts', '02-x')).toBe(
      "const m = await import('../../../sim/x.ts');",
    );
  });
});

describe('marker errors, with their line', () => {
  test('unbalanced markers', () => {
    expect(
      errorsOf('f.ts', lines('// xenlab: file from 02', '// xenlab: region r from 02')),
    ).toEqual(['2: region r is never ended']);
    expect(errorsOf('f.ts', lines('// xenlab: file from 02', '// xenlab: end r'))).toEqual([
      '2: "end r" closes nothing: no region or exercise is open',
    ]);
    expect(
      errorsOf(
        'f.ts',
        lines(
          '// xenlab: file from 02',
          '// xenlab: region r from 02',
          '// xenlab: end s',
          '// xenlab: end r',
        ),
      ),
    ).toEqual(['3: "end s" closes nothing: r is open']);
    expect(errorsOf('f.asm', lines('; xenlab: file from 02', '; xenlab: exercise 02-x'))).toEqual([
      '2: exercise 02-x is never ended',
    ]);
  });

  test('unknown keywords and malformed markers', () => {
    expect(errorsOf('f.ts', lines('// xenlab: file from 02', '// xenlab: chapter 03'))).toEqual([
      '2: unknown marker "chapter" (file, region, exercise, starter, end)',
    ]);
    expect(errorsOf('f.ts', lines('// xenlab: file since 02'))).toEqual([
      '1: expected "file from NN"',
    ]);
    expect(
      errorsOf('f.ts', lines('// xenlab: file from 02', '// xenlab: region r after 02')),
    ).toEqual(['2: expected "region NAME from NN" or "region NAME from NN until MM"']);
    expect(errorsOf('f.ts', lines('// xenlab: file from 02', '// xenlab: file from 03'))).toEqual([
      '2: a second "file from" marker',
    ]);
    expect(
      errorsOf('f.ts', lines('const x = 1;', '// xenlab: region r from 02', '// xenlab: end r')),
    ).toEqual([
      '2: "region" marker before the file\'s "// xenlab: file from NN"',
      '3: "end" marker before the file\'s "// xenlab: file from NN"',
    ]);
  });

  test('chapter ids not in chapters/index.ts', () => {
    expect(errorsOf('f.ts', '// xenlab: file from 2')).toEqual([
      '1: file from: "2" is not a chapter id of chapters/index.ts',
    ]);
    expect(
      errorsOf(
        'f.ts',
        lines(
          '// xenlab: file from 02',
          '// xenlab: region r from 02 until 99',
          '// xenlab: end r',
        ),
      ),
    ).toEqual(['2: region r: "99" is not a chapter id of chapters/index.ts']);
    expect(
      errorsOf(
        'f.ts',
        lines(
          '// xenlab: file from 02',
          '// xenlab: region r from 03 until 02',
          '// xenlab: end r',
        ),
      ),
    ).toEqual(['2: region r: "until 02" must come after "from 03"']);
  });

  test('nesting: only an exercise inside a region', () => {
    const regionInRegion = lines(
      '// xenlab: file from 02',
      '// xenlab: region a from 02',
      '// xenlab: region b from 02',
      '// xenlab: end b',
      '// xenlab: end a',
    );
    expect(errorsOf('f.ts', regionInRegion)).toEqual([
      '3: region b opens inside a: markers do not nest',
      '4: "end b" closes nothing: a is open',
    ]);
    const exerciseInExercise = lines(
      '// xenlab: file from 02',
      '// xenlab: exercise 02-a',
      '// xenlab: exercise 02-b',
      '// xenlab: end 02-a',
    );
    expect(errorsOf('f.ts', exerciseInExercise)).toEqual([
      '3: exercise 02-b opens inside exercise 02-a: markers do not nest',
    ]);
    const fine = lines(
      '// xenlab: file from 02',
      '// xenlab: region a from 03',
      '// xenlab: exercise 03-a',
      '// xenlab: end 03-a',
      '// xenlab: end a',
    );
    expect(errorsOf('f.ts', fine)).toEqual([]);
  });

  test("an exercise's id names the chapter of the code it lies in", () => {
    expect(
      errorsOf(
        'f.ts',
        lines('// xenlab: file from 02', '// xenlab: exercise 03-a', '// xenlab: end 03-a'),
      ),
    ).toEqual(['2: exercise 03-a lies in code of chapter 02; its id names chapter 03']);
    expect(
      errorsOf(
        'f.ts',
        lines('// xenlab: file from 02', '// xenlab: exercise Start', '// xenlab: end Start'),
      ),
    ).toEqual([
      '2: exercise id "Start" is not a chapter-prefixed kebab-case id like 02-start-info',
    ]);
  });

  test('starter lines must be commented out, and a starter belongs in an exercise', () => {
    const bad = lines(
      '// xenlab: file from 02',
      '// xenlab: exercise 02-a',
      'return 1;',
      '// xenlab: starter',
      'return 0;',
      '// xenlab: end 02-a',
    );
    expect(errorsOf('f.ts', bad)).toEqual([
      '5: starter line of 02-a must be commented out with "// "',
    ]);
    expect(errorsOf('f.ts', lines('// xenlab: file from 02', '// xenlab: starter'))).toEqual([
      '2: "starter" outside an exercise',
    ]);
  });

  test('duplicate region names across files', () => {
    const files = {
      'a.ts': lines('// xenlab: file from 02', '// xenlab: region r from 02', '// xenlab: end r'),
      'b.ts': lines(
        '// xenlab: file from 02',
        '',
        '// xenlab: region r from 03',
        '// xenlab: end r',
      ),
    };
    expect(tree(files).errors).toEqual([
      { file: 'b.ts', line: 3, message: 'region r again (first at a.ts:2)' },
    ]);
  });

  test('exercise ids and the manifests agree', () => {
    const files = {
      'a.ts': lines('// xenlab: file from 02', '// xenlab: exercise 02-a', '// xenlab: end 02-a'),
    };
    expect(tree(files, { '02': [{ id: '02-b', section: '2.1' }] }).errors).toEqual([
      { file: 'a.ts', line: 2, message: 'exercise 02-a is not in the manifest of chapter 02' },
      {
        file: "chapter 02's manifest",
        line: 1,
        message: 'exercise 02-b has no exercise marker in solutions/',
      },
    ]);
    // A chapter without a manifest yet is not checked.
    expect(tree(files).errors).toEqual([]);
  });
});

describe('the invariants report', () => {
  test('lists every check, the offenders under a violated one, and a summary', async () => {
    const { formatChecks } = await import('./invariants.ts');
    const report = formatChecks([
      {
        chapter: '02',
        name: 'src/ equals a fresh generation',
        ok: true,
        summary: '3 files',
        details: [],
      },
      {
        chapter: '02',
        name: 'starter fails every test of chapter 02',
        ok: false,
        summary: '1/2 fail',
        details: ['02-x/a.test.ts::02-a › b: passes on the starter'],
      },
    ]);
    expect(report.split('\n')).toEqual([
      'chapter 02',
      '  ok   src/ equals a fresh generation (3 files)',
      '  FAIL starter fails every test of chapter 02 (1/2 fail)',
      '         02-x/a.test.ts::02-a › b: passes on the starter',
      'invariants: 1 chapter(s), 1/2 checks passed, 1 violated',
    ]);
  });
});
