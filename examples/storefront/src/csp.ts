// The Content-Security-Policy every page is sent with. Scripts run only with this response's
// nonce: no 'unsafe-inline', no 'unsafe-eval', no host allow-list an attacker could abuse. The
// Assent loader, the lazily loaded UI and the gated tags must all work under it; that is part of
// what this demo shows.
import { randomBytes } from 'node:crypto';

/** 128 random bits, base64: a fresh one per response (CSP3 §2.3.1 asks for at least 128). */
export function createNonce(): string {
  return randomBytes(16).toString('base64');
}

export interface CspOptions {
  /** Origins the page may `fetch` besides itself: the consent ledger. */
  connect?: readonly string[];
}

export function contentSecurityPolicy(nonce: string, options: CspOptions = {}): string {
  const connect = ["'self'", ...(options.connect ?? [])].join(' ');
  return [
    "default-src 'self'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data:",
    `connect-src ${connect}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}
