// Export formats, one JSON document per line (NDJSON):
// - `native`: each entry exactly as hashed (RFC 8785), so SHA-256(0x00 || line) is its leaf hash;
//   erased entries as `{ erased, erasedBy, leafHash, seq }`.
// - `iso27560`: a consent record per event in the structure of ISO/IEC TS 27560:2023, with W3C
//   DPV status terms, as the DPVCG's implementation guide maps it.
// - `kantara`: a Kantara Initiative Consent Receipt 1.1 per event (purposes with status `given`;
//   refusals and withdrawals carry no consent, so a refusal gives an empty purpose list).
//
// A consent receipt states facts about the processing (which data, whether sensitive, which third
// parties). The log records only the purpose ids and their definition hashes; the facts come from
// the storefront's Assent config, and only for a purpose whose definition hash in the config is the
// one the shopper decided on. What the ledger does not know is left out, never asserted as `false`.
import { type AssentConfig, definitionHash, gradeOf } from '@assent/core';
import { AssentError, canonicalize, type LedgerEntry } from '@assent/core/protocol';
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

/**
 * A postal address, with the schema.org PostalAddress members the Kantara Consent Receipt 1.1
 * example uses (`streetAddress`, `addressCountry`, an ISO 3166-1 alpha-2 code or a name).
 */
export interface PostalAddress {
  streetAddress?: string;
  addressCountry?: string;
}

/** Who is responsible for the processing, for the standard formats. */
export interface Controller {
  name: string;
  contact?: string;
  email?: string;
  phone?: string;
  /** A string (exported as `{ streetAddress }` in Kantara receipts) or a postal address. */
  address?: string | PostalAddress;
  url?: string;
}

/** What a purpose's definition says about the processing, for one definition hash. */
export interface PurposeFacts {
  /** The definition hash these facts belong to (`definitionHash` of @assent/core). */
  hash: string;
  /** Ids of the data categories the purpose uses. */
  categories: string[];
  /** Those of them graded sensitive (sensitive kinds always are). */
  sensitive: string[];
  /** Names of the parties the data is provided to: third-party recipients and an overseas recipient. */
  thirdParties: string[];
}

export interface ExportContext {
  controller?: Controller | undefined;
  /** URL of the privacy notice the events' `policy.version` refers to. */
  noticeUrl?: string | undefined;
  /** The ledger's issuer URL. */
  issuer: string;
  /** Facts of the current purpose definitions, by purpose id (see {@link purposeFactsOf}). */
  purposes?: ReadonlyMap<string, PurposeFacts> | undefined;
}

/**
 * An export format needs configuration the ledger does not have (the Kantara format without a
 * controller or a privacy notice URL).
 *
 * @example
 * ```ts
 * try { for await (const l of ledger.export('kantara')) out.write(l) }
 * catch (e) { if (e instanceof ExportUnconfigured) console.error(e.message) }
 * ```
 */
export class ExportUnconfigured extends AssentError {
  static override code = 'ERR_EXPORT_UNCONFIGURED';
  override readonly code = 'ERR_EXPORT_UNCONFIGURED';
}

/**
 * Why `format` cannot be exported with this context, or undefined when it can. Kantara Consent
 * Receipt 1.1 requires a PII controller and a policy URL; a receipt without them would not be one.
 * Call it before the first line (and before the access-log record).
 *
 * @example
 * ```ts
 * const problem = exportUnconfigured('kantara', { issuer, controller, noticeUrl })
 * if (problem) throw problem
 * ```
 */
export function exportUnconfigured(format: ExportFormat, ctx: ExportContext): ExportUnconfigured | undefined {
  if (format !== 'kantara') return undefined;
  const missing = [
    ...(ctx.controller?.name ? [] : ['controller (name, contact, address)']),
    ...(ctx.noticeUrl ? [] : ['noticeUrl (an absolute URL of the privacy notice)']),
  ];
  if (!missing.length) return undefined;
  return new ExportUnconfigured(
    `the kantara format needs ${missing.join(' and ')}: set them in the ledger options or the Assent config`,
    { path: ctx.controller?.name ? 'noticeUrl' : 'controller' },
  );
}

/**
 * The facts of every purpose of an Assent config, keyed by purpose id, for the standard exports.
 * The config must be valid (`validateConfig` of @assent/core).
 *
 * @example
 * ```ts
 * const purposes = purposeFactsOf(validateConfig(JSON.parse(readFileSync('assent.config.json', 'utf8'))))
 * purposes.get('face-payment') // { hash: '...', categories: ['face', 'payment'], sensitive: ['face'], thirdParties: ['Example Pay'] }
 * ```
 */
export function purposeFactsOf(config: AssentConfig): Map<string, PurposeFacts> {
  const out = new Map<string, PurposeFacts>();
  for (const p of config.purposes) {
    const sensitive = p.categories.filter((id) => {
      const c = config.categories.find((x) => x.id === id);
      return c !== undefined && gradeOf(c) === 'sensitive';
    });
    const thirdParties = [
      ...(p.recipients ?? []).filter((r) => r.role !== 'processor').map((r) => r.name ?? 'unnamed recipient'),
      ...(p.transfer
        ? [p.transfer.recipient ?? `a recipient in ${p.transfer.country ?? 'another country'}`]
        : []),
    ];
    out.set(p.id, {
      hash: definitionHash(p, config),
      categories: [...p.categories],
      sensitive,
      thirdParties,
    });
  }
  return out;
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
  const given = Object.entries(e.purposes).filter(([, p]) => p.status === 'given');
  // Facts apply only to the definition the shopper decided on; otherwise they are unknown.
  const factsOf = (id: string, hash: string) => {
    const f = ctx.purposes?.get(id);
    return f && f.hash === hash ? f : undefined;
  };
  const known = given.map(([id, p]) => factsOf(id, p.hash));
  const spi = [...new Set(known.flatMap((f) => f?.sensitive ?? []))];
  // `sensitive` is true as soon as one consented purpose is known to use sensitive data, false only
  // when every consented purpose is known not to; otherwise left out.
  const sensitive = spi.length > 0 ? true : known.every((f) => f !== undefined) ? false : undefined;
  return {
    version: 'KI-CR-v1.1.0',
    jurisdiction: e.jurisdiction,
    consentTimestamp: Math.floor(Date.parse(e.at) / 1000),
    collectionMethod: e.method,
    consentReceiptID: e.id,
    language: e.locale,
    piiPrincipalId: e.subject,
    ...(c ? { piiControllers: [kantaraController(c)] } : {}),
    ...(ctx.noticeUrl ? { policyUrl: ctx.noticeUrl } : {}),
    services: [
      {
        service: c?.name ?? ctx.issuer,
        purposes: given.map(([id], i) => {
          const f = known[i];
          return {
            purpose: id,
            purposeCategory: [id],
            consentType: 'EXPLICIT',
            ...(f ? { piiCategory: f.categories } : {}),
            termination: 'Until withdrawn in the preference center, or when the consent expires',
            ...(f ? { thirdPartyDisclosure: f.thirdParties.length > 0 } : {}),
            ...(f?.thirdParties.length ? { thirdPartyName: f.thirdParties.join('; ') } : {}),
          };
        }),
      },
    ],
    ...(sensitive === undefined ? {} : { sensitive, spiCat: spi }),
  };
}

function kantaraController(c: Controller): unknown {
  const address =
    typeof c.address === 'string'
      ? { streetAddress: c.address }
      : c.address && (c.address.streetAddress || c.address.addressCountry)
        ? {
            ...(c.address.streetAddress ? { streetAddress: c.address.streetAddress } : {}),
            ...(c.address.addressCountry ? { addressCountry: c.address.addressCountry } : {}),
          }
        : undefined;
  return {
    piiController: c.name,
    ...(c.contact ? { contact: c.contact } : {}),
    ...(address ? { address } : {}),
    ...(c.email ? { email: c.email } : {}),
    ...(c.phone ? { phone: c.phone } : {}),
    ...(c.url ? { piiControllerUrl: c.url } : {}),
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
