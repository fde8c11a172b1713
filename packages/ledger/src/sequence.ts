// Turning accepted items into log entries: seq numbers, entry bodies (RFC 8785), leaf hashes,
// completed tree nodes, tombstones and receipt claims. Storage-independent: SQLite calls it inside
// its group commit, the PostgreSQL sequencer inside its integration step, with the same results.
import { randomUUID } from 'node:crypto';
import { type ConsentEvent, canonicalize, RECEIPT_TYP, type ReceiptClaims } from '@assent/core/protocol';
import { canonicalEvent } from './lib/canonical-event.js';
import { b64u, digestOf, keyed, leafOf } from './lib/hash.js';
import type { CompactRange, CompletedNode } from './merkle.js';
import type { Signer } from './signer.js';

/** A consent event accepted for the log (validated, link verified, `link` removed). */
export interface EventItem {
  kind: 'event';
  id: string;
  subject: string;
  /** RFC 8785 text of the event without `link` (the parsed event is not kept: see {@link eventItem}). */
  canonical: string;
  /** SHA-256 of `canonical`: the idempotency digest. */
  digest: Buffer;
  /** Keyed hash of the linked customer id, when the event carried a valid link token. */
  customerHash?: Buffer | undefined;
  receivedAt: string;
}

/**
 * The item for a validated event, received at `receivedAt`: its RFC 8785 text without the link
 * token, the text's digest, and the linked customer's keyed hash when a link token verified. The
 * parsed event is left behind on purpose: a batch waits tens of milliseconds for its commit, and
 * every object it keeps alive that long is copied by each young-generation collection meanwhile.
 */
export function eventItem(e: ConsentEvent, receivedAt: string, customerHash?: Buffer): EventItem {
  const canonical = canonicalEvent(e);
  return {
    kind: 'event',
    id: e.id,
    subject: e.subject,
    canonical,
    digest: digestOf(canonical),
    customerHash,
    receivedAt,
  };
}

/** A request to erase every stored body of a subject. */
export interface ErasureItem {
  kind: 'erasure';
  id: string;
  subject: string;
  receivedAt: string;
}

/** A retention purge: erase every consent body received before `before`. */
export interface RetentionItem {
  kind: 'retention';
  id: string;
  before: string;
  receivedAt: string;
}

export type Item = EventItem | ErasureItem | RetentionItem;

/** A tombstone's body: what was erased, never whose (the subject only as a keyed hash). */
export interface Tombstone {
  kind: 'erasure' | 'retention';
  id: string;
  seq: number;
  receivedAt: string;
  subject?: string;
  before?: string;
  /** Erased seq ranges, inclusive: `[[3, 3], [10, 12]]`. */
  erased: Array<[number, number]>;
}

/** One row of the log as storage keeps it. */
export interface EntryRow {
  seq: number;
  id: string;
  kind: 'event' | 'erasure' | 'retention';
  subject: string | null;
  receivedAt: string;
  body: string | null;
  leaf: Buffer;
  digest: Buffer | null;
  receipt: string | null;
  erasedBy: number | null;
}

/** What the sequencer appends in one step. */
export interface Integration {
  rows: EntryRow[];
  nodes: CompletedNode[];
  links: Array<{ subject: string; customerHash: Buffer; seq: number }>;
  /** Per tombstone: the seqs whose bodies go, and the tombstone's seq. */
  erasures: Array<{ by: number; ranges: Array<[number, number]> }>;
  /** Receipt per event id, including events a later tombstone of the same step erased. */
  receipts: Map<string, string>;
}

/** Settings every sequencer needs. */
export interface SequenceContext {
  signer: Signer;
  secret: Buffer;
  issuer: string;
  receiptTtlSeconds: number;
}

/** Seqs each tombstone item erases among already-stored entries, fetched before sequencing. */
export type Erasable = ReadonlyMap<string, readonly number[]>;

/** Keyed hash of a subject id, as tombstones and the access log carry it. */
export const subjectHash = (secret: Buffer, subject: string): string =>
  b64u(keyed(secret, `subject:${subject}`));

/** Keyed hash of a customer id (from a link token). */
export const customerHash = (secret: Buffer, cid: string): Buffer => keyed(secret, `customer:${cid}`);

/** Merge sorted seqs into inclusive ranges. */
export function toRanges(seqs: readonly number[]): Array<[number, number]> {
  const sorted = [...seqs].sort((a, b) => a - b);
  const out: Array<[number, number]> = [];
  for (const s of sorted) {
    const last = out[out.length - 1];
    if (last && s === last[1] + 1) last[1] = s;
    else if (!last || s > last[1]) out.push([s, s]);
  }
  return out;
}

export const newItemId = (): string => randomUUID();

/** Receipt claims for a stored consent entry. */
export function receiptClaims(
  ctx: Pick<SequenceContext, 'issuer' | 'receiptTtlSeconds'>,
  event: Omit<ConsentEvent, 'link'>,
  seq: number,
  receivedAt: string,
  leaf: Buffer,
): ReceiptClaims {
  const iat = Math.floor(Date.parse(receivedAt) / 1000);
  return {
    iss: ctx.issuer,
    sub: event.subject,
    iat,
    exp: iat + ctx.receiptTtlSeconds,
    jti: event.id,
    pol: event.policy,
    cns: event.purposes,
    mth: event.method,
    jur: event.jurisdiction,
    gpc: event.gpc,
    seq,
    lh: b64u(leaf),
  };
}

let lastReceivedAt = '';
let lastIat = 0;
let lastIssuer = '';
let lastIssuerJson = '""';

/**
 * The JSON text of {@link receiptClaims}, written directly: the same members in the same order,
 * with `pol` and `cns` cut out of the entry's RFC 8785 text rather than serialized again (so a
 * receipt depends only on the stored entry, never on the member order the client sent). In the
 * canonical text a string value never holds an unescaped `"`, so `,"policy":{` and
 * `,"purposes":{` first occur at the top level (a purpose named `policy` or `purposes` comes later,
 * inside `purposes`), and `,"subject":"` last occurs there (see {@link entryBody}).
 */
export function receiptPayload(
  ctx: Pick<SequenceContext, 'issuer' | 'receiptTtlSeconds'>,
  item: Pick<EventItem, 'canonical' | 'receivedAt'>,
  seq: number,
  leaf: Buffer,
): string {
  const c = item.canonical;
  const pol = c.indexOf(',"policy":{');
  const cns = c.indexOf(',"purposes":{', pol);
  const sub = c.lastIndexOf(',"subject":"');
  // No helper closures here: this runs once per event, and each call would allocate them again.
  const jti = c.indexOf('"id":"');
  const jur = c.indexOf('"jurisdiction":"', jti);
  const mth = c.indexOf('"method":"', jur);
  // `gpc` sorts between `at` and `id`: a boolean, so its text is `true` or `false`.
  const gpc = c.indexOf(',"gpc":');
  if (pol < 0 || cns < 0 || sub < cns || jti < 0 || jur < 0 || mth < 0 || mth > pol || gpc < 0 || gpc > jti)
    throw new TypeError('not the canonical text of a consent event');
  // String members of the canonical text end at the next `",` (their characters never need escaping);
  // a value, quotes included, starts at the member's offset plus the name's length plus 3 (`"":`).
  // Every event of a request shares its receivedAt, and every receipt the issuer: computed once.
  if (item.receivedAt !== lastReceivedAt) {
    lastReceivedAt = item.receivedAt;
    lastIat = Math.floor(Date.parse(item.receivedAt) / 1000);
  }
  if (ctx.issuer !== lastIssuer) {
    lastIssuer = ctx.issuer;
    lastIssuerJson = JSON.stringify(ctx.issuer);
  }
  const iat = lastIat;
  return (
    `{"iss":${lastIssuerJson},"sub":${c.slice(sub + 11, c.indexOf('"', sub + 12) + 1)},` +
    `"iat":${iat},"exp":${iat + ctx.receiptTtlSeconds},"jti":${c.slice(jti + 5, c.indexOf('",', jti + 6) + 1)},` +
    `"pol":${c.slice(pol + 10, cns)},"cns":${c.slice(cns + 12, sub)},` +
    `"mth":${c.slice(mth + 9, c.indexOf('",', mth + 10) + 1)},"jur":${c.slice(jur + 15, c.indexOf('",', jur + 16) + 1)},"gpc":${c.startsWith('true', gpc + 7)},` +
    `"seq":${seq},"lh":"${b64u(leaf)}"}`
  );
}

/** A sequenced step whose receipts are not signed yet. */
export interface Sequenced extends Integration {
  /** Receipt claims as JSON text ({@link receiptPayload}). */
  payloads: string[];
  /** Rows the payloads belong to, in the same order. */
  claimRows: EntryRow[];
}

/**
 * Append items to the range (mutating it) and build their rows, nodes, links and erasures.
 * Synchronous, so no other batch can interleave its seqs; items must already be deduplicated.
 * `erasable` holds, per tombstone item id, the stored seqs it erases.
 */
export function sequence(
  ctx: Pick<SequenceContext, 'secret' | 'issuer' | 'receiptTtlSeconds'>,
  range: CompactRange,
  items: readonly Item[],
  erasable: Erasable,
): Sequenced {
  const out: Sequenced = {
    rows: [],
    nodes: [],
    links: [],
    erasures: [],
    receipts: new Map(),
    payloads: [],
    claimRows: [],
  };
  for (const item of items) {
    const seq = range.size;
    let row: EntryRow;
    if (item.kind === 'event') {
      const body = entryBody(item, seq);
      const leaf = leafOf(body);
      row = {
        seq,
        id: item.id,
        kind: 'event',
        subject: item.subject,
        receivedAt: item.receivedAt,
        body,
        leaf,
        digest: item.digest,
        receipt: null,
        erasedBy: null,
      };
      out.payloads.push(receiptPayload(ctx, item, seq, leaf));
      out.claimRows.push(row);
      if (item.customerHash) out.links.push({ subject: item.subject, customerHash: item.customerHash, seq });
    } else {
      const here = out.rows
        .filter(
          (r) =>
            r.kind === 'event' &&
            r.erasedBy === null &&
            (item.kind === 'erasure' ? r.subject === item.subject : r.receivedAt < item.before),
        )
        .map((r) => r.seq);
      const ranges = toRanges([...(erasable.get(item.id) ?? []), ...here]);
      const tomb: Tombstone = {
        kind: item.kind,
        id: item.id,
        seq,
        receivedAt: item.receivedAt,
        ...(item.kind === 'erasure'
          ? { subject: subjectHash(ctx.secret, item.subject) }
          : { before: item.before }),
        erased: ranges,
      };
      const body = canonicalize(tomb);
      row = {
        seq,
        id: item.id,
        kind: item.kind,
        subject: null,
        receivedAt: item.receivedAt,
        body,
        leaf: leafOf(body),
        digest: null,
        receipt: null,
        erasedBy: null,
      };
      // Bodies erased in this same step never reach storage.
      for (const r of out.rows) {
        if (r.erasedBy === null && ranges.some(([a, b]) => r.seq >= a && r.seq <= b)) {
          r.body = null;
          r.subject = null;
          r.erasedBy = seq;
        }
      }
      out.links = out.links.filter((l) => item.kind !== 'erasure' || l.subject !== item.subject);
      out.erasures.push({ by: seq, ranges });
    }
    out.nodes.push(...range.append(row.leaf));
    out.rows.push(row);
  }
  return out;
}

/** Sign the receipts of a sequenced step (on the signer's worker threads when it has them). */
export async function signReceipts(signer: Signer, s: Sequenced): Promise<Integration> {
  if (s.payloads.length) {
    const jws = await signer.signMany(RECEIPT_TYP, s.payloads);
    // Signed: the claims texts need not live on until the commit.
    s.payloads = [];
    s.claimRows.forEach((r, i) => {
      s.receipts.set(r.id, jws[i]!);
      if (r.erasedBy === null) r.receipt = jws[i]!;
    });
  }
  return s;
}

/**
 * The entry's RFC 8785 text: the event's canonical text with `receivedAt` and `seq` spliced in.
 * JCS sorts members by code unit, and both new names sort between `purposes` and `subject`, the
 * only top-level member whose value is a string starting right after `"subject":` (a purpose
 * named `subject` has an object value). The test suite checks this against canonicalize().
 */
export function entryBody(item: Pick<EventItem, 'canonical' | 'receivedAt'>, seq: number): string {
  const c = item.canonical;
  const at = c.lastIndexOf(',"subject":"');
  if (at < 0) throw new TypeError('not the canonical text of a consent event');
  return `${c.slice(0, at)},"receivedAt":"${item.receivedAt}","seq":${seq}${c.slice(at)}`;
}
