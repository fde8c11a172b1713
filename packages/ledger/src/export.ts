// Export formats, one JSON document per line (NDJSON):
// - `native`: each entry exactly as hashed (RFC 8785), so SHA-256(0x00 || line) is its leaf hash;
//   erased entries as `{ erased, erasedBy, leafHash, seq }`.
// - `iso27560`: a consent record per event in the structure of ISO/IEC TS 27560:2023, with W3C
//   DPV status terms, as the DPVCG's implementation guide maps it.
// - `kantara`: a Kantara Initiative Consent Receipt 1.1 per event (purposes with status `given`;
//   refusals and withdrawals carry no consent, so a refusal gives an empty purpose list).
import { canonicalize, type LedgerEntry } from '@assent/core/protocol';
import { b64u } from './lib/hash.js';
import type { EntryRow } from './sequence.js';

/**
 * The formats of `GET /v1/export` and `assent-ledger export`.
 *
 * @example
 * ```ts
 * for await (const line of ledger.export(EXPORT_FORMATS[2])) out.write(line + '\n') // Kantara receipts
 * ```
 */
export const EXPORT_FORMATS = ['native', 'iso27560', 'kantara'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Who is responsible for the processing, for the standard formats. */
export interface Controller {
  name: string;
  contact?: string;
  email?: string;
  phone?: string;
  address?: string;
  url?: string;
}

export interface ExportContext {
  controller?: Controller | undefined;
  /** URL of the privacy notice the events' `policy.version` refers to. */
  noticeUrl?: string | undefined;
  /** The ledger's issuer URL. */
  issuer: string;
}

const DPV_STATUS: Record<string, string> = {
  given: 'dpv:ConsentGiven',
  refused: 'dpv:ConsentRefused',
  withdrawn: 'dpv:ConsentWithdrawn',
  expired: 'dpv:ConsentExpired',
};

/** One export line for a stored row, or undefined when the format has nothing for it. */
export function exportLine(row: EntryRow, format: ExportFormat, ctx: ExportContext): string | undefined {
  if (!row.body) {
    if (format !== 'native') return undefined;
    return canonicalize({ erased: true, erasedBy: row.erasedBy, leafHash: b64u(row.leaf), seq: row.seq });
  }
  if (format === 'native') return row.body;
  if (row.kind !== 'event') return undefined;
  const e = JSON.parse(row.body) as LedgerEntry;
  return JSON.stringify(format === 'iso27560' ? iso27560(e, row, ctx) : kantara(e, ctx));
}

function iso27560(e: LedgerEntry, row: EntryRow, ctx: ExportContext): unknown {
  return {
    schema_version: 'ISO/IEC TS 27560:2023',
    record_id: e.id,
    pii_principal_id: e.subject,
    pii_controllers: ctx.controller ? [controllerOf(ctx.controller)] : [],
    notice: {
      notice_id: e.policy.version,
      notice_hash: e.policy.hash,
      ...(ctx.noticeUrl ? { url: ctx.noticeUrl } : {}),
    },
    language: e.locale,
    jurisdiction: e.jurisdiction,
    purposes: Object.entries(e.purposes).map(([id, p]) => ({
      purpose_id: id,
      purpose_definition_hash: p.hash,
      lawful_basis: 'dpv:Consent',
      consent_status: DPV_STATUS[p.status],
    })),
    event: {
      event_time: e.at,
      event_type: 'dpv:ConsentRecord',
      event_by: 'dpv:DataSubject',
      collection_method: e.method,
      gpc_signal: e.gpc,
      user_agent_software: e.widget,
    },
    record_integrity: {
      ledger: ctx.issuer,
      seq: e.seq,
      received_at: e.receivedAt,
      leaf_hash: b64u(row.leaf),
      receipt: row.receipt,
    },
  };
}

function kantara(e: LedgerEntry, ctx: ExportContext): unknown {
  const c = ctx.controller;
  return {
    version: 'KI-CR-v1.1.0',
    jurisdiction: e.jurisdiction,
    consentTimestamp: Math.floor(Date.parse(e.at) / 1000),
    collectionMethod: e.method,
    consentReceiptID: e.id,
    language: e.locale,
    piiPrincipalId: e.subject,
    piiControllers: c
      ? [
          {
            piiController: c.name,
            contact: c.contact ?? c.name,
            address: c.address ?? '',
            email: c.email ?? '',
            phone: c.phone ?? '',
            ...(c.url ? { piiControllerUrl: c.url } : {}),
          },
        ]
      : [],
    policyUrl: ctx.noticeUrl ?? '',
    services: [
      {
        service: c?.name ?? ctx.issuer,
        purposes: Object.entries(e.purposes)
          .filter(([, p]) => p.status === 'given')
          .map(([id]) => ({
            purpose: id,
            purposeCategory: [id],
            consentType: 'EXPLICIT',
            piiCategory: [],
            primaryPurpose: false,
            termination: 'Until withdrawn in the preference center, or when the consent expires',
            thirdPartyDisclosure: false,
          })),
      },
    ],
    sensitive: false,
    spiCat: [],
  };
}

function controllerOf(c: Controller): unknown {
  return {
    name: c.name,
    ...(c.contact ? { contact: c.contact } : {}),
    ...(c.email ? { email: c.email } : {}),
    ...(c.phone ? { phone: c.phone } : {}),
    ...(c.address ? { address: c.address } : {}),
    ...(c.url ? { url: c.url } : {}),
  };
}
