// Whether an earlier page left consent events waiting for the ledger. The outbox itself is in
// IndexedDB, which the loader cannot read synchronously and which only the sync module knows, so
// the decision module keeps this one flag in localStorage: set as soon as a decision is recorded
// (before it is even queued), cleared once the outbox has drained. A returning visitor's loader
// reads it to decide whether to fetch the sync module at idle; without it, it fetches nothing.

import { readLocal } from './local.js';

const KEY = 'assent-outbox';

/** Whether events are (or may be) waiting for the ledger. Never throws. */
export const outboxWaiting = (): boolean => !!readLocal(KEY);

/** Set or clear the flag. Never throws. */
export const markOutbox = (waiting: boolean): void => {
  try {
    if (waiting) localStorage.setItem(KEY, '1');
    else localStorage.removeItem(KEY);
  } catch {}
};
