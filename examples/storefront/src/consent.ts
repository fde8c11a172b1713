// The storefront's one question to Assent: may this request's data be used for this purpose?
// The answer comes from the shopper's signed receipt (cookie `assent_receipt` or header
// `Assent-Receipt`), verified offline against the ledger's keys, and only counts when the consent
// was given for the purpose's CURRENT definition: a receipt for an older wording of the purpose
// is not consent to the new one.
import type { IncomingMessage } from 'node:http';
import { type AssentConfig, type ConsentStatus, purposeHashes } from '@assent/core';
import { AssentError, type KeySet, verifyReceipt } from '@assent/verifier';
import { parseCookies } from './lib/http.js';

export type ConsentReason = 'no-receipt' | 'invalid-receipt' | 'not-given' | 'definition-changed';

export interface ConsentVerdict {
  allowed: boolean;
  purpose: string;
  /** Set when `allowed` is false. */
  reason?: ConsentReason;
  /** The receipt's error code, or the purpose's status in the receipt. */
  detail?: string;
  /** Device subject of a verified receipt. */
  subject?: string;
  status?: ConsentStatus;
}

export interface ConsentGateOptions {
  config: AssentConfig;
  /** The ledger's URL: receipts must name it as `iss`. */
  issuer: string;
  /** The ledger's verification keys. */
  jwks: KeySet;
}

export interface ConsentGate {
  /** Definition hashes of the config's purposes, by id: what consent must have been given for. */
  readonly hashes: Readonly<Record<string, string>>;
  check(req: IncomingMessage, purpose: string): Promise<ConsentVerdict>;
}

export function receiptFromRequest(req: IncomingMessage): string | undefined {
  const header = req.headers['assent-receipt'];
  if (typeof header === 'string' && header) return header.trim();
  return parseCookies(req.headers.cookie)['assent_receipt'] || undefined;
}

export function createConsentGate(options: ConsentGateOptions): ConsentGate {
  const hashes = purposeHashes(options.config);
  return {
    hashes,
    async check(req, purpose) {
      const current = hashes[purpose];
      if (current === undefined) throw new TypeError(`purpose ${purpose} is not in the config`);
      const jws = receiptFromRequest(req);
      if (!jws) return { allowed: false, purpose, reason: 'no-receipt' };
      let claims: Awaited<ReturnType<typeof verifyReceipt>>;
      try {
        claims = await verifyReceipt(jws, { jwks: options.jwks, issuer: options.issuer });
      } catch (e) {
        if (e instanceof AssentError)
          return { allowed: false, purpose, reason: 'invalid-receipt', detail: e.code };
        throw e;
      }
      const decision = claims.cns[purpose];
      const base = { purpose, subject: claims.sub, ...(decision ? { status: decision.status } : {}) };
      if (decision?.status !== 'given') {
        return { ...base, allowed: false, reason: 'not-given', detail: decision?.status ?? 'absent' };
      }
      if (decision.hash !== current) return { ...base, allowed: false, reason: 'definition-changed' };
      return { ...base, allowed: true };
    },
  };
}
