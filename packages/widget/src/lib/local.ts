// The loader's one reader of localStorage (kept config digest, outbox flag): storage can be
// blocked, full of someone else's text or missing, so any failure reads as nothing.

/** The JSON value kept under `key`, or `undefined`. Never throws. */
export const readLocal = (key: string): unknown => {
  try {
    return JSON.parse(localStorage.getItem(key)!);
  } catch {}
};
