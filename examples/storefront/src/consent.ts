// The storefront's one question to Assent: may this request's data be used for this purpose?
// The answer comes from the shopper's signed receipt (cookie `assent_receipt` or header
// `Assent-Receipt`, read by the verifier's `consentFromRequest`), verified offline against the
// ledger's keys by `createConsentChecker`, and only counts when the consent was given for the
// purpose's CURRENT definition hash, computed here from the same config the widget shows: a
// receipt for an older wording of a purpose is not consent to the new one.
import type { IncomingMessage } from 'node:http';
import { type AssentConfig, type ConsentStatus, purposeHashes } from '@assent/core';
import {
  type ConsentChecker,
  type ConsentReason,
  consentFromRequest,
  createConsentChecker,
  type KeySet,
} from '@assent/verifier';

export type { ConsentReason };

export interface ConsentVerdict {
  allowed: boolean;
  purpose: string;
  /** The verifier's reason: `given`, `no-receipt`, `invalid-receipt`, `not-given`, `definition-changed`... */
  reason: ConsentReason;
  /** The receipt's error code, or the purpose's status in the receipt, when not allowed. */
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
  /**
   * An API token with the ledger's `read:subject` scope. With it, `checkOnline` also asks the
   * ledger whether the shopper has since decided otherwise (on another device, say).
   */
  ledgerToken?: string;
}

export interface ConsentGate {
  /** Definition hashes of the config's purposes, by id: what consent must have been given for. */
  readonly hashes: Readonly<Record<string, string>>;
  /** Offline: the receipt alone. Cheap (verified receipts are cached); for every request. */
  check(req: IncomingMessage, purpose: string): Promise<ConsentVerdict>;
  /** Confirmed with the ledger when a token was given, else as `check`. For sensitive uses. */
  checkOnline(req: IncomingMessage, purpose: string): Promise<ConsentVerdict>;
}

export function createConsentGate(options: ConsentGateOptions): ConsentGate {
  const hashes = purposeHashes(options.config);
  const checker: ConsentChecker = createConsentChecker({
    jwks: options.jwks,
    issuer: options.issuer,
    purposes: hashes,
    ...(options.ledgerToken ? { ledgerUrl: options.issuer, ledgerToken: options.ledgerToken } : {}),
  });

  async function verdict(req: IncomingMessage, purpose: string, online: boolean): Promise<ConsentVerdict> {
    if (hashes[purpose] === undefined) throw new TypeError(`purpose ${purpose} is not in the config`);
    const { receipt } = consentFromRequest(req);
    const d =
      online && options.ledgerToken
        ? await checker.checkOnline(receipt, purpose)
        : await checker.check(receipt, purpose);
    const subject = d.subject;
    const detail = d.allowed ? undefined : (d.code ?? d.status);
    return {
      allowed: d.allowed,
      purpose,
      reason: d.reason,
      ...(detail ? { detail } : {}),
      ...(subject ? { subject } : {}),
      ...(d.status ? { status: d.status } : {}),
    };
  }

  return {
    hashes,
    check: (req, purpose) => verdict(req, purpose, false),
    checkOnline: (req, purpose) => verdict(req, purpose, true),
  };
}
