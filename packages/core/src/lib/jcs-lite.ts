// RFC 8785 serialization of data that `validateConfig` accepted: plain objects, arrays, booleans,
// finite numbers and strings without lone surrogates. On such data it is exactly `canonicalize`
// (a property test checks that) at a fraction of its size, which matters on the loader's path;
// `canonicalize` remains the one for untrusted input, which it rejects with a path.
export const jcs = (v: unknown): string =>
  Array.isArray(v)
    ? `[${v.map(jcs)}]`
    : v && typeof v === 'object'
      ? `{${Object.keys(v)
          .sort()
          .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
          .map((k) => `${JSON.stringify(k)}:${jcs((v as Record<string, unknown>)[k])}`)}}`
      : JSON.stringify(v);
