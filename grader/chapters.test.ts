import { describe, expect, it } from 'vitest';
import { findChapter, requireChapter } from './chapters.ts';

describe('chapter arguments', () => {
  it('accept 2 and 02, a letter in either case, or the folder name', () => {
    expect(findChapter('2')?.id).toBe('02');
    expect(findChapter('02')?.id).toBe('02');
    expect(findChapter('12')?.id).toBe('12');
    expect(findChapter('a')?.id).toBe('A');
    expect(findChapter('02-architecture')?.id).toBe('02');
    expect(findChapter('99')).toBeUndefined();
    expect(() => requireChapter('99')).toThrow(/no chapter "99" \(chapters: 01, 02/);
  });
});
