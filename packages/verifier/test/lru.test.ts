// The cache's eviction policy, through the checker's observable behaviour would be indirect; the
// Lru is internal, so this imports it by path (the one test that does).
import { describe, expect, it } from 'vitest';
import { Lru } from '../src/lib/lru.js';

describe('Lru (CLOCK eviction)', () => {
  it('evicts the oldest entry not used since the last sweep', () => {
    const lru = new Lru<string, number>(3);
    lru.set('a', 1);
    lru.set('b', 2);
    lru.set('c', 3);
    expect(lru.get('a')).toBe(1);
    lru.set('d', 4); // a was used: it survives, b goes
    expect(lru.get('b')).toBeUndefined();
    expect([lru.get('a'), lru.get('c'), lru.get('d')]).toEqual([1, 3, 4]);
    expect(lru.size).toBe(3);
  });

  it('never evicts the entry being inserted, even when every other entry is hot', () => {
    const lru = new Lru<string, number>(2);
    lru.set('a', 1);
    lru.set('b', 2);
    lru.get('a');
    lru.get('b');
    lru.set('c', 3);
    expect(lru.get('c')).toBe(3);
    expect(lru.size).toBe(2);
    expect([lru.get('a'), lru.get('b')].filter((v) => v !== undefined)).toHaveLength(1);
  });

  it('keeps the total weight within the budget and refuses entries heavier than all of it', () => {
    const lru = new Lru<string, string>(100, 10, (v) => v.length);
    lru.set('a', 'xxxx');
    lru.set('b', 'xxxx');
    lru.set('c', 'xxxx');
    expect(lru.weight).toBeLessThanOrEqual(10);
    expect(lru.size).toBe(2);
    lru.set('big', 'x'.repeat(11));
    expect(lru.get('big')).toBeUndefined();
    lru.set('b', 'xx'); // replacing an entry re-weighs it
    lru.delete('c');
    expect(lru.weight).toBe(lru.get('b') === undefined ? 0 : 2);
  });
});
