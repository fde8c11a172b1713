import type { AssentConfig, Purpose } from './config/types.js';
import { definitionOf } from './lib/definition.js';
import { digest, policyDigest, policyInput } from './lib/digest.js';
import { jcs } from './lib/jcs-lite.js';
import { encodeBase64url } from './protocol/base64url.js';
import { utf8 } from './protocol/lib/utf8.js';

/** A SHA-256 implementation: synchronous (`sha256` of `@assent/core/protocol`) or not (Web Crypto). */
export type Sha256 = (data: Uint8Array) => Uint8Array | ArrayBuffer | PromiseLike<Uint8Array | ArrayBuffer>;

/**
 * The definition hash of a purpose: unpadded base64url SHA-256 of the RFC 8785 form of everything
 * the shopper is told about it: id, legal basis, the data categories (kind, effective grade and
 * texts), retention, recipients, transfer abroad, public disclosure, whether it needs separate
 * consent, and its texts in every locale. Technical mappings (Consent Mode types, the `marketing`
 * flag, `default`) are left out: changing them does not change what the shopper agreed to.
 * A decision stays valid only while the hash it was made for is the current one. Synchronous, in
 * plain JavaScript; in browsers {@link digestPurposes} is much faster.
 *
 * @example
 * ```ts
 * definitionHash(config.purposes[1]!, config) // 'Wq3c...' (43 characters)
 * ```
 */
export function definitionHash(purpose: Purpose, config: AssentConfig): string {
  return digest(definitionOf(purpose, config));
}

/**
 * Definition hashes of every purpose, by id, synchronously (servers, tests, Node).
 *
 * @example
 * ```ts
 * const hashes = purposeHashes(config)
 * hashes['marketing-email'] // '3vQ...'
 * ```
 */
export function purposeHashes(config: AssentConfig): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of config.purposes) out[p.id] = definitionHash(p, config);
  return out;
}

/**
 * The same hashes as {@link purposeHashes}, computed with Web Crypto (`crypto.subtle.digest`):
 * native, off the main thread, and free of the cold-start cost of JavaScript SHA-256 on a page's
 * critical path. This is what the widget's loader runs. `crypto.subtle` exists only in secure
 * contexts (https, localhost); on a plain-http origin pass a `sha256`, e.g. the synchronous one of
 * `@assent/core/protocol`, or the promise rejects with a `TypeError`.
 *
 * @example
 * ```ts
 * const hashes = await digestPurposes(config)
 * const consent = createConsent(config, { storage: cookieStorage(), hashes })
 *
 * import { sha256 } from '@assent/core/protocol'
 * await digestPurposes(config, crypto.subtle ? undefined : sha256) // also on http://
 * ```
 */
export async function digestPurposes(config: AssentConfig, sha256?: Sha256): Promise<Record<string, string>> {
  const f = hasher(sha256);
  return Object.fromEntries(
    await Promise.all(config.purposes.map(async (p) => [p.id, await f(definitionOf(p, config))])),
  );
}

// Unpadded base64url SHA-256 of the RFC 8785 form of a value: with the given implementation, else
// Web Crypto, else a TypeError (plain-http origins have no `crypto.subtle`).
const hasher = (sha256?: Sha256) => {
  const s = globalThis.crypto?.subtle;
  const f =
    sha256 ??
    (s
      ? (d: Uint8Array) => s.digest('SHA-256', d as Uint8Array<ArrayBuffer>)
      : () => {
          throw TypeError('assent: no crypto.subtle (an insecure origin?): pass a sha256');
        });
  return async (value: unknown) => encodeBase64url(new Uint8Array(await f(utf8(jcs(value)))));
};

/**
 * The same hash as {@link policyHash}, computed like {@link digestPurposes}: with Web Crypto, or
 * with the `sha256` you pass. What `recordConsent` needs as `policyHash`.
 *
 * @example
 * ```ts
 * const hashes = await digestPurposes(config)
 * const consent = recordConsent(readConsent(config, { hashes, separate: separatePurposes(config) }), {
 *   policyHash: await digestPolicy(config, hashes),
 * })
 * ```
 */
export async function digestPolicy(
  config: AssentConfig,
  hashes: Readonly<Record<string, string>>,
  sha256?: Sha256,
): Promise<string> {
  return hasher(sha256)(policyInput(config, hashes));
}

/**
 * Hash of the whole notice a decision is made under: controller, notice and every purpose's
 * definition hash. Sent as `policy.hash` with each consent event.
 *
 * @example
 * ```ts
 * policyHash(config, purposeHashes(config))
 * ```
 */
export function policyHash(config: AssentConfig, hashes = purposeHashes(config)): string {
  return policyDigest(config, hashes);
}
