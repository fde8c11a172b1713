import {
  type AssentConfig,
  type Consent,
  createConsent,
  isSeparate,
  memoryStorage,
  validateConfig,
} from '@assent/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { example } from './fixtures.js';

// Invariants of the consent state machine, over random sequences of shopper actions on the
// example retailer config (four banner purposes, four separate ones, one contract purpose).

const config = example();
const consentIds = config.purposes.filter((p) => p.basis === 'consent').map((p) => p.id);
const separate = config.purposes.filter((p) => isSeparate(p, config)).map((p) => p.id);
const banner = consentIds.filter((id) => !separate.includes(id));

type Action =
  | { t: 'acceptAll' }
  | { t: 'rejectAll' }
  | { t: 'set'; choices: Record<string, boolean> }
  | { t: 'withdraw'; id: string }
  | { t: 'grant'; id: string }
  | { t: 'refuse'; id: string }
  | { t: 'reload' }
  | { t: 'wait'; days: number };

const action: fc.Arbitrary<Action> = fc.oneof(
  fc.constant({ t: 'acceptAll' as const }),
  fc.constant({ t: 'rejectAll' as const }),
  fc
    .dictionary(fc.constantFrom(...consentIds), fc.boolean(), { maxKeys: 4 })
    .map((choices) => ({ t: 'set' as const, choices })),
  fc.constantFrom(...consentIds, 'all').map((id) => ({ t: 'withdraw' as const, id })),
  fc.constantFrom(...separate).map((id) => ({ t: 'grant' as const, id })),
  fc.constantFrom(...separate).map((id) => ({ t: 'refuse' as const, id })),
  fc.constant({ t: 'reload' as const }),
  fc.integer({ min: 1, max: 400 }).map((days) => ({ t: 'wait' as const, days })),
);

/** Run actions against a consent object; `check` sees the state around each one. */
function run(
  actions: Action[],
  check: (a: Action, before: Consent, after: Consent, granted: string[], ok: boolean) => void,
  cfg: AssentConfig = config,
) {
  let t = Date.UTC(2026, 0, 1);
  const now = () => t;
  const storage = memoryStorage();
  let consent = createConsent(cfg, { storage, now });
  for (const a of actions) {
    const snapshot = consent.decisions();
    const allowedBefore = Object.fromEntries(consentIds.map((id) => [id, consent.allows(id)]));
    const frozen = {
      ...consent,
      decisions: () => snapshot,
      get: (id: string) => snapshot[id],
      allows: (id: string) => allowedBefore[id] ?? consent.allows(id),
    } as Consent;
    let granted: string[] = [];
    let ok = true;
    switch (a.t) {
      case 'acceptAll':
        consent.acceptAll();
        granted = banner;
        break;
      case 'rejectAll':
        consent.rejectAll();
        break;
      case 'set':
        try {
          consent.set(a.choices);
          granted = Object.keys(a.choices).filter((id) => a.choices[id]);
        } catch (e) {
          ok = false;
          // Only a separate purpose not yet given can make set() refuse, and then nothing changes.
          expect(e).toBeInstanceOf(TypeError);
          expect(Object.keys(a.choices).some((id) => a.choices[id] && separate.includes(id))).toBe(true);
          expect(consent.decisions()).toEqual(snapshot);
        }
        break;
      case 'withdraw':
        consent.withdraw(a.id);
        break;
      case 'grant':
        consent.grantSeparate(a.id);
        granted = [a.id];
        break;
      case 'refuse':
        consent.refuseSeparate(a.id);
        break;
      case 'reload':
        consent = createConsent(cfg, { storage, now });
        break;
      case 'wait':
        t += a.days * 864e5;
        break;
    }
    check(a, frozen, consent, granted, ok);
  }
  return { consent, storage, now };
}

describe('consent invariants (property-based)', () => {
  it('accept all never grants (or otherwise touches) a separate purpose', () => {
    fc.assert(
      fc.property(fc.array(action, { maxLength: 25 }), (actions) => {
        run([...actions, { t: 'acceptAll' }], (a, before, after) => {
          if (a.t !== 'acceptAll') return;
          for (const id of separate) {
            expect(after.get(id)).toEqual(before.get(id));
            expect(after.allows(id)).toBe(before.allows(id));
          }
        });
      }),
    );
  });

  it('nothing becomes given without an explicit call that grants it', () => {
    fc.assert(
      fc.property(fc.array(action, { maxLength: 25 }), (actions) => {
        run(actions, (_a, before, after, granted) => {
          for (const id of consentIds) {
            const was = before.get(id);
            const is = after.get(id);
            const newlyGiven = is?.status === 'given' && (was?.status !== 'given' || was.at !== is.at);
            if (newlyGiven) expect(granted).toContain(id);
            if (after.allows(id) && !before.allows(id)) expect(granted).toContain(id);
          }
        });
      }),
    );
  });

  it('after withdraw (or a refusal) the purpose is not allowed', () => {
    fc.assert(
      fc.property(fc.array(action, { maxLength: 25 }), (actions) => {
        run(actions, (a, _before, after, _granted, ok) => {
          if (a.t === 'withdraw')
            for (const id of a.id === 'all' ? consentIds : [a.id]) expect(after.allows(id)).toBe(false);
          if (a.t === 'refuse') expect(after.allows(a.id)).toBe(false);
          if (a.t === 'rejectAll') for (const id of banner) expect(after.allows(id)).toBe(false);
          if (a.t === 'set' && ok)
            for (const [id, v] of Object.entries(a.choices)) if (!v) expect(after.allows(id)).toBe(false);
        });
      }),
    );
  });

  it("changing purpose A's definition never changes B's decision", () => {
    fc.assert(
      fc.property(
        fc.array(action, { maxLength: 15 }),
        fc.constantFrom(...config.purposes.map((p) => p.id)),
        fc.string({ minLength: 1, maxLength: 40 }),
        (actions, a, text) => {
          const { storage, now } = run(actions, () => {});
          const beforeConsent = createConsent(config, { storage, now });
          const changed = validateConfig({
            ...config,
            purposes: config.purposes.map((p) =>
              p.id === a
                ? { ...p, texts: { ...p.texts, en: { ...p.texts.en, description: `${text}!` } } }
                : p,
            ),
          });
          const afterConsent = createConsent(changed, { storage, now });
          expect(afterConsent.hashes[a]).not.toBe(beforeConsent.hashes[a]);
          for (const b of consentIds) {
            if (b === a) continue;
            expect(afterConsent.hashes[b]).toBe(beforeConsent.hashes[b]);
            expect(afterConsent.get(b)).toEqual(beforeConsent.get(b));
            expect(afterConsent.allows(b)).toBe(beforeConsent.allows(b));
          }
          // A itself is no longer allowed on the strength of a consent given for the old text.
          if (consentIds.includes(a)) expect(afterConsent.allows(a)).toBe(false);
        },
      ),
    );
  });
});
