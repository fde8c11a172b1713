import { CATEGORY_KINDS, classifyCategory, gradeOf, TAXONOMY } from '@assent/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

// PIPL Art. 28's list, in the taxonomy's words.
const ART_28 = [
  'biometric',
  'religious-belief',
  'specific-identity',
  'health',
  'financial-account',
  'precise-location',
  'minor',
] as const;

describe('taxonomy and grading', () => {
  it('labels every kind in English and Chinese, once', () => {
    expect(new Set(CATEGORY_KINDS).size).toBe(TAXONOMY.length);
    for (const t of TAXONOMY) {
      expect(t.label.en.length).toBeGreaterThan(0);
      expect(t.label['zh-CN']).toMatch(/[\u4e00-\u9fff]/);
      expect(t.examples['zh-CN']).toMatch(/[\u4e00-\u9fff]/);
    }
  });

  it('grades every PIPL Art. 28 kind sensitive, citing the article', () => {
    for (const kind of ART_28) {
      const entry = TAXONOMY.find((t) => t.kind === kind)!;
      expect(entry.grade).toBe('sensitive');
      expect(entry.reference).toMatch(/PIPL Arts?\. 28/);
    }
  });

  it('never lets a config downgrade a sensitive kind, and lets it raise a general one', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CATEGORY_KINDS),
        fc.constantFrom('general', 'sensitive', undefined),
        (kind, grade) => {
          const entry = TAXONOMY.find((t) => t.kind === kind)!;
          const g = gradeOf({ kind, grade: grade as 'general' | undefined });
          if (entry.grade === 'sensitive') expect(g).toBe('sensitive');
          else expect(g).toBe(grade ?? 'general');
        },
      ),
    );
  });

  it('classifies a category, reporting an overruled downgrade', () => {
    const face = classifyCategory({ kind: 'biometric', grade: 'general' });
    expect(face).toMatchObject({ kind: 'biometric', grade: 'sensitive', locked: true, overruled: true });
    expect(face.entry.label['zh-CN']).toBe('生物识别信息');
    expect(classifyCategory({ kind: 'browsing' })).toMatchObject({
      grade: 'general',
      locked: false,
      overruled: false,
    });
    expect(classifyCategory({ kind: 'purchase-history', grade: 'sensitive' }).grade).toBe('sensitive');
    expect(() => classifyCategory({ kind: 'shoe-size' as 'other' })).toThrow(TypeError);
  });
});
