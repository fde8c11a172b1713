// A bounded least-recently-used map on top of Map's insertion order: a hit moves the entry to the
// end, inserts evict from the front until both the entry count and the total weight fit. O(1)
// amortised for both.
export class Lru<K, V> {
  readonly #map = new Map<K, V>();
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
    const value = this.#map.get(key);
    if (value !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): void {
    const w = this.#weigh(value);
    if (w > this.#maxWeight || this.#maxEntries === 0) return;
    this.delete(key);
    this.#map.set(key, value);
    this.#weight += w;
    while (this.#map.size > this.#maxEntries || this.#weight > this.#maxWeight) {
      this.delete(this.#map.keys().next().value as K);
    }
  }

  delete(key: K): void {
    const value = this.#map.get(key);
    if (value === undefined) return;
    this.#map.delete(key);
    this.#weight -= this.#weigh(value);
  }
}
