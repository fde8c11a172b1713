import type { AssentConfig, Purpose } from './config/types.js';
import { gradeOf } from './lib/grade.js';
import { jcs } from './lib/jcs-lite.js';
import { encodeBase64url } from './protocol/base64url.js';
import { utf8 } from './protocol/lib/utf8.js';
import { sha256 } from './protocol/sha256.js';
import { isSeparate } from './separate.js';

const digest = (value: unknown): string => encodeBase64url(sha256(utf8(jcs(value))));

/**
 * The definition hash of a purpose: unpadded base64url SHA-256 of the RFC 8785 form of everything
 * the shopper is told about it: id, legal basis, the data categories (kind, effective grade and
 * texts), retention, recipients, transfer abroad, public disclosure, whether it needs separate
 * consent, and its texts in every locale. Technical mappings (Consent Mode types, the `marketing`
 * flag, `default`) are left out: changing them does not change what the shopper agreed to.
 * A decision stays valid only while the hash it was made for is the current one.
 *
 * @example
 * ```ts
 * definitionHash(config.purposes[1]!, config) // 'Wq3c...' (43 characters)
 * ```
 */
export function definitionHash(purpose: Purpose, config: AssentConfig): string {
  return digest({
    id: purpose.id,
    basis: purpose.basis,
    categories: purpose.categories.map((id) => {
      const c = config.categories.find((x) => x.id === id);
      return c ? { id, kind: c.kind, grade: gradeOf(c), texts: c.texts } : { id };
    }),
    retention: purpose.retention,
    recipients: purpose.recipients,
    transfer: purpose.transfer,
    publicDisclosure: purpose.publicDisclosure === true,
    separate: isSeparate(purpose, config),
    texts: purpose.texts,
  });
}

/**
 * Definition hashes of every purpose, by id.
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
 * Hash of the whole notice a decision is made under: controller, notice and every purpose's
 * definition hash. Sent as `policy.hash` with each consent event.
 *
 * @example
 * ```ts
 * policyHash(config, purposeHashes(config))
 * ```
 */
export function policyHash(config: AssentConfig, hashes = purposeHashes(config)): string {
  return digest({ controller: config.controller, notice: config.notice, purposes: hashes });
}
