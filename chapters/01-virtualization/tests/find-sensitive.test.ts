// Chapter 1, exercise 01-find-sensitive: the sensitive-but-unprivileged instructions of a
// guest's code, found with the disassembler (book §1.4).
import { describe, expect, test } from 'vitest';
import { testRng } from '../../testing/index.ts';
import { findSensitive, SENSITIVE_FORMS } from '../src/monitor/index.ts';
import { assembleLines, randomStream } from './streams.ts';

const where = (address: number) => `0x${address.toString(16)}`;

describe('01-find-sensitive', () => {
  test('finds exactly the sensitive instructions of a random stream, with their lengths', () => {
    for (let round = 0; round < 8; round++) {
      const stream = randomStream(testRng(`find-sensitive ${round}`), 60);
      const found = findSensitive(stream.bytes, stream.org);
      const expected = stream.instructions.filter((i) => i.sensitive);
      const got = found.map((f) => `${where(f.address)} +${f.length}`);
      const want = expected.map((i) => `${where(i.address)} +${i.length}`);
      expect(
        got,
        `findSensitive should report each sensitive instruction's address (org ${where(stream.org)}` +
          ` + offset) and length, in order, and nothing else (book §1.4). The stream:\n` +
          stream.instructions
            .map((i) => `  ${where(i.address)} ${i.sensitive ? '*' : ' '} ${i.source}`)
            .join('\n'),
      ).toEqual(want);
    }
  });

  test('an opcode byte inside an immediate or displacement is not an instruction', () => {
    const rng = testRng('find-sensitive immediates');
    const value = () => (0x9c9d0f01 ^ (rng.below(0x100) << 24)) >>> 0;
    const lines = [
      `mov eax, 0x${value().toString(16)}`,
      `add ebx, 0x${value().toString(16)}`,
      `lea ecx, [edx+0x${value().toString(16)}]`,
      'popfd',
    ];
    const stream = assembleLines(lines, 0);
    const found = findSensitive(stream.bytes, 0);
    expect(
      found.map((f) => f.address),
      'only the popfd is sensitive: the bytes 9C, 9D, 0F 01 inside immediates are data of ' +
        'other instructions, which a decoder steps over (book §1.4)',
    ).toEqual([stream.instructions[3]!.address]);
  });

  test('each finding carries its text, group and reason from the table of sensitive forms', () => {
    const stream = randomStream(testRng('find-sensitive reasons'), 40);
    for (const f of findSensitive(stream.bytes, stream.org)) {
      const form = SENSITIVE_FORMS.find((s) => s.pattern.test(f.text));
      expect(
        form,
        `'${f.text}' at ${where(f.address)} should match a row of SENSITIVE_FORMS`,
      ).toBeDefined();
      expect({ kind: f.kind, reason: f.reason }, `the row of '${f.text}'`).toEqual({
        kind: form!.kind,
        reason: form!.reason,
      });
    }
  });
});
