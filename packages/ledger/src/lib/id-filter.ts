// A Bloom filter of the event ids in a SQLite log, so that the idempotency check asks the database
// only about ids it may already hold. Nearly every id a ledger sees is new, and the lookup of a
// batch's ids was about a tenth of the event loop's work per event (a read transaction that finds
// the page cache invalidated by the writer's last commit, json_each, one index probe per id). The
// filter has no false negatives: every id in the file is added (the ids already there by a scan,
// every id this process sequences before it goes to the writer), so "absent" is exact and only
// "maybe" (about 1 % of new ids at capacity, and every retry) goes to the database. Until the scan
// of a database that already had entries has finished, every id still goes to the database.
//
// Segments: when one holds its capacity, a new one twice as large starts (a scalable Bloom filter),
// so it never needs the final size up front; an id may be in any of them.

// Bits per id and probes: 10 bits and 7 probes give about 0.8 % false positives at capacity.
const BITS_PER_ID = 10;
const PROBES = 7;

// Blocked: all probes of an id fall in one 512-bit block (one cache line), so an add or a test
// costs one cache miss instead of seven in a filter of megabytes; the price is a slightly higher
// false-positive rate (about 1 % instead of 0.8 at capacity).
interface Segment {
  bits: Int32Array;
  /** Block count minus one (a power of two minus one); a block is 16 words. */
  mask: number;
  capacity: number;
  count: number;
}

const segment = (capacity: number): Segment => {
  let blocks = 1;
  while (blocks * 512 < capacity * BITS_PER_ID) blocks *= 2;
  return { bits: new Int32Array(blocks * 16), mask: blocks - 1, capacity, count: 0 };
};

/** An in-memory Bloom filter of id strings; see the module comment. */
export class IdFilter {
  readonly #segments: Segment[];
  #complete: boolean;

  /** `complete`: the filter already holds every stored id (a new, empty log). */
  constructor(capacity: number, complete: boolean) {
    this.#segments = [segment(Math.max(1024, capacity))];
    this.#complete = complete;
  }

  /** Every id stored before the filter was made has been added: `has() === false` is exact. */
  get complete(): boolean {
    return this.#complete;
  }

  markComplete(): void {
    this.#complete = true;
  }

  add(id: string): void {
    let s = this.#segments[this.#segments.length - 1]!;
    if (s.count >= s.capacity) {
      s = segment(s.capacity * 2);
      this.#segments.push(s);
    }
    s.count++;
    const [h1, h2] = hashes(id);
    const base = (h1 & s.mask) << 4;
    for (let i = 0, h = h2; i < PROBES; i++, h = rotate(h)) s.bits[base + ((h >>> 5) & 15)]! |= 1 << (h & 31);
  }

  /** False only if the id was never added. */
  has(id: string): boolean {
    const [h1, h2] = hashes(id);
    for (const s of this.#segments) {
      const base = (h1 & s.mask) << 4;
      let i = 0;
      for (let h = h2; i < PROBES; i++, h = rotate(h))
        if ((s.bits[base + ((h >>> 5) & 15)]! & (1 << (h & 31))) === 0) break;
      if (i === PROBES) return true;
    }
    return false;
  }
}

// The next probe's 9 bits (word 4 bits, bit 5 bits) from a 32-bit hash, by rotation and a multiply
// (three probes per rotation would repeat bits; the multiply mixes them again).
const rotate = (h: number): number => Math.imul((h >>> 9) | (h << 23), 0x9e3779b1);

// Two 32-bit FNV-1a-style hashes with a final mix (murmur3's fmix32): one picks the block, the
// other the bits in it. Ids are random UUIDs, but any string works: a crafted id can at worst
// cost a database lookup, never a wrong answer.
const pair: [number, number] = [0, 0];
function hashes(id: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  pair[0] = fmix(a);
  pair[1] = fmix(b);
  return pair;
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
