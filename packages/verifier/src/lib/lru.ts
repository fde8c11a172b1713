// A bounded cache with least-recently-used-like eviction (CLOCK, "second chance") on top of Map's
// insertion order. A hit only sets a flag, so the hot path is one Map lookup; eviction walks from
// the oldest entry, moving flagged ones to the back with the flag cleared and evicting the first
// unflagged one. Amortised O(1); inserts stop when both the entry count and total weight fit.
interface Slot<V> {
  value: V;
  used: boolean;
}

export class Lru<K, V> {
  readonly #map = new Map<K, Slot<V>>();
  readonly #maxEntries: number;
  readonly #maxWeight: number;
  readonly #weigh: (value: V) => number;
  #weight = 0;

  constructor(
    maxEntries: number,
    maxWeight = Number.POSITIVE_INFINITY,
    weigh: (value: V) => number = () => 0,
  ) {
    this.#maxEntries = maxEntries;
    this.#maxWeight = maxWeight;
    this.#weigh = weigh;
  }

  get size(): number {
    return this.#map.size;
  }

  /** Sum of the weights of the entries held. */
  get weight(): number {
    return this.#weight;
  }

  get(key: K): V | undefined {
    const slot = this.#map.get(key);
    if (slot === undefined) return undefined;
    slot.used = true;
    return slot.value;
  }

  set(key: K, value: V): void {
    const w = this.#weigh(value);
    if (w > this.#maxWeight || this.#maxEntries === 0) return;
    this.delete(key);
    // Make room first, so the newcomer is never the victim of its own insertion.
    while (this.#map.size + 1 > this.#maxEntries || this.#weight + w > this.#maxWeight) {
      const [oldest, slot] = this.#map.entries().next().value as [K, Slot<V>];
      this.#map.delete(oldest);
      if (slot.used) {
        slot.used = false;
        this.#map.set(oldest, slot);
      } else {
        this.#weight -= this.#weigh(slot.value);
      }
    }
    this.#map.set(key, { value, used: false });
    this.#weight += w;
  }

  delete(key: K): void {
    const slot = this.#map.get(key);
    if (slot === undefined) return;
    this.#map.delete(key);
    this.#weight -= this.#weigh(slot.value);
  }
}
