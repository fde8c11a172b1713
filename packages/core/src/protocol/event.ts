import { createEventId } from './ids.js';
import type { ConsentEvent, PurposeSnapshot } from './types.js';

/** What {@link createEvent} needs; `id` and `at` default to a fresh UUIDv4 and the current time. */
export type EventInput = Omit<ConsentEvent, 'id' | 'at'> & { id?: string; at?: Date | string };

/**
 * Build a consent event for the ledger. The snapshot is copied, so later changes to the caller's
 * state do not alter an event already queued.
 *
 * @example
 * ```ts
 * const event = createEvent({
 *   subject: createSubjectId(),
 *   policy: { version: '2026-11', hash },
 *   purposes: { analytics: { status: 'given', hash: analyticsHash } },
 *   method: 'preferences:save', locale: 'zh-CN', jurisdiction: 'CN', gpc: false, widget: '0.1.0',
 * })
 * ```
 */
export function createEvent(input: EventInput): ConsentEvent {
  const purposes: Record<string, PurposeSnapshot> = {};
  for (const [id, s] of Object.entries(input.purposes)) purposes[id] = { status: s.status, hash: s.hash };
  const at = input.at instanceof Date ? input.at.toISOString() : (input.at ?? new Date().toISOString());
  const event: ConsentEvent = {
    id: input.id ?? createEventId(),
    subject: input.subject,
    at,
    policy: { version: input.policy.version, hash: input.policy.hash },
    purposes,
    method: input.method,
    locale: input.locale,
    jurisdiction: input.jurisdiction,
    gpc: input.gpc,
    widget: input.widget,
  };
  if (input.link !== undefined) event.link = input.link;
  return event;
}
