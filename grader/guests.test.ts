import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureChapter } from './fixtures/grade.ts';
import { grade } from './grading.ts';
import { assembleGuests } from './guests.ts';
import { toGradescope } from './report/gradescope.ts';
import { toJson } from './report/json.ts';
import { formatText } from './report/text.ts';

/** Guest sources: two programs sharing lib/tsc.asm, where `rdtscx` is taken for a label. */
function writeGuests(src: string, tsc: string): void {
  mkdirSync(join(src, 'guests', 'lib'), { recursive: true });
  const main = (name: string) =>
    `bits 32\nsection .text\nglobal _start\n_start:\n    call read_tsc\n    hlt\n%include "lib/tsc.asm"\n; ${name}\n`;
  writeFileSync(join(src, 'guests', 'a.asm'), main('a'));
  writeFileSync(join(src, 'guests', 'b.asm'), main('b'));
  writeFileSync(join(src, 'guests', 'lib', 'tsc.asm'), tsc);
}

const MISSPELLED = 'read_tsc:\n    rdtscx\n    ret\n';
const WARNING =
  /^guests\/lib\/tsc\.asm:2:\d+: warning: .*\(a misspelled 'rdtsc'\?\)\n {4}\s*rdtscx$/;

describe('the guests of a graded tree', () => {
  const fx = fixtureChapter();

  it('are assembled for their warnings, a shared file warning once', () => {
    const src = fx.tree('solved', join(fx.root, 'warns'));
    writeGuests(src, MISSPELLED);
    const g = assembleGuests(src);
    expect(g.count).toBe(2);
    expect(g.errors).toEqual([]);
    expect(g.warnings).toHaveLength(1);
    expect(g.warnings[0]).toMatch(WARNING);
    writeGuests(src, 'read_tsc:\n    rdtsc\n    ret\n');
    expect(assembleGuests(src).warnings).toEqual([]);
  });

  it('a grade shows the warnings on top, in every format', async () => {
    const src = fx.tree('solved', join(fx.root, 'graded'));
    writeGuests(src, MISSPELLED);
    const report = await grade({ chapter: fx.chapter, src, seed: 1 });
    expect(report.score, 'warnings cost no points').toBe(report.max_score);
    expect(report.asmWarnings).toHaveLength(1);
    expect(report.asmWarnings![0]).toMatch(/^src\/guests\/lib\/tsc\.asm:2:\d+: warning: /);
    const text = formatText(report);
    expect(text).toMatch(/^The assembler warns about your guest code \(1 warning; /);
    expect(text.split('\n')[2]).toMatch(
      /^ {2}src\/guests\/lib\/tsc\.asm:2:\d+: warning: .*'rdtsc'/,
    );
    expect(toJson(report).asm_warnings).toEqual(report.asmWarnings);
    expect(toGradescope(report).output).toContain(report.asmWarnings![0]);
  });

  it('a tree without warnings shows none', async () => {
    const report = await grade({ chapter: fx.chapter, src: fx.tree('solved'), seed: 1 });
    expect(report.asmWarnings).toBeUndefined();
    expect(formatText(report)).not.toContain('assembler');
  });
});
