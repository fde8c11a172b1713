import type { StoredReceipt } from './receipt.js';
import type { SyncKv } from './store.js';

const byTime = (a: StoredReceipt, b: StoredReceipt) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.seq - b.seq);

const isReceipt = (k: string, v: unknown): v is StoredReceipt => {
  const r = v as StoredReceipt | null;
  return r?.id === k && typeof r.jws === 'string' && typeof r.at === 'string' && typeof r.seq === 'number';
};

/**
 * The receipts kept on the device, keyed by event id, at most `max` (the oldest go first).
 * Unreadable records are dropped, with a warning.
 */
export function createReceiptStore(kv: SyncKv, max: number, warn: (m: string) => void) {
  let count = 0;
  const list = async () => {
    const good: StoredReceipt[] = [];
    const bad: string[] = [];
    for (const [k, v] of await kv.entries()) isReceipt(k, v) ? good.push(v) : bad.push(k);
    if (bad.length) {
      warn(`assent: dropped ${bad.length} unreadable receipts`);
      await kv.del(bad);
    }
    count = good.length;
    return good.sort(byTime);
  };
  return {
    /** Every kept receipt, oldest first. */
    list,
    get: async (id: string) => {
      const r = await kv.get(id);
      return isReceipt(id, r) ? r : undefined;
    },
    async add(r: StoredReceipt) {
      await kv.set(r.id, r);
      if (++count > max) {
        const all = await list();
        await kv.del(all.slice(0, all.length - max).map((x) => x.id));
        count = Math.min(count, max);
      }
    },
  };
}
