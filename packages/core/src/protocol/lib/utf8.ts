const encoder = /* @__PURE__ */ new TextEncoder();
const decoder = /* @__PURE__ */ new TextDecoder('utf-8', { fatal: true });

export const utf8 = (s: string): Uint8Array => encoder.encode(s);
/** Throws `TypeError` on invalid UTF-8: callers wrap it in their own error. */
export const fromUtf8 = (b: Uint8Array): string => decoder.decode(b);
