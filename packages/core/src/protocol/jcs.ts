import { CanonicalizationFailed } from './errors.js';

/**
 * Serialize a JSON value as RFC 8785 (JSON Canonicalization Scheme) text: object members sorted by
 * UTF-16 code units, no whitespace, numbers in ECMAScript shortest form, strings escaped as
 * ECMAScript `JSON.stringify` does. Every hash and signature over JSON in Assent is taken over
 * these bytes.
 *
 * Throws {@link CanonicalizationFailed} for values I-JSON (RFC 7493) forbids: non-finite numbers,
 * lone surrogates, and non-JSON types, and for cycles. `undefined` members are omitted, as
 * `JSON.stringify` does.
 *
 * @example
 * ```ts
 * canonicalize({ b: [1e21, -0], a: 'é' }) // '{"a":"é","b":[1e+21,0]}'
 * ```
 */
export function canonicalize(value: unknown): string {
  return write(value, '$', []);
}

// Lone surrogates are not valid Unicode; RFC 8785 §3.2.2.2 requires rejecting them.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function str(s: string, path: string): string {
  if (LONE_SURROGATE.test(s)) throw new CanonicalizationFailed('string contains a lone surrogate', { path });
  return JSON.stringify(s);
}

function write(v: unknown, path: string, stack: object[]): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(v)) throw new CanonicalizationFailed('number is not finite', { path });
      // ECMAScript Number::toString is exactly RFC 8785's serialization, except that -0 prints "0"
      // through String() already; JSON.stringify agrees.
      return String(v);
    case 'string':
      return str(v, path);
    case 'object': {
      if (stack.includes(v as object)) throw new CanonicalizationFailed('value contains a cycle', { path });
      stack.push(v as object);
      let out: string;
      if (Array.isArray(v)) {
        out = `[${v.map((x, i) => (x === undefined ? 'null' : write(x, `${path}[${i}]`, stack))).join(',')}]`;
      } else {
        const proto = Object.getPrototypeOf(v);
        if (proto !== Object.prototype && proto !== null) {
          throw new CanonicalizationFailed('only plain objects can be canonicalized', { path });
        }
        const obj = v as Record<string, unknown>;
        const parts: string[] = [];
        // Default sort compares UTF-16 code units, as RFC 8785 §3.2.3 requires.
        for (const k of Object.keys(obj).sort()) {
          const x = obj[k];
          if (x === undefined) continue;
          parts.push(`${str(k, path)}:${write(x, `${path}.${k}`, stack)}`);
        }
        out = `{${parts.join(',')}}`;
      }
      stack.pop();
      return out;
    }
    default:
      throw new CanonicalizationFailed(`${typeof v} is not a JSON value`, { path });
  }
}
