// "Recommended for you". Without consent to `personalization` everyone gets the same best-seller
// list and nothing about the shopper is kept. With it, the products the shopper views are
// remembered (by device subject, in memory) and steer the picks. When the receipt says the consent
// is no longer given, the remembered views are erased on that very request.
import { type Category, PRODUCTS, type Product } from './catalog.js';
import type { ConsentVerdict } from './consent.js';

const COUNT = 4;

export interface Recommendation {
  personalised: boolean;
  /** Why the list is generic: `no-receipt`, `invalid-receipt`, `not-given`, `definition-changed`. */
  reason?: string;
  /** Human-oriented detail of the reason (error code of a bad receipt, status of the purpose). */
  detail?: string;
  items: { id: string; category: Category }[];
}

interface Profile {
  views: Map<Category, number>;
  recent: string[];
}

export interface Recommender {
  recommend(productId: string | undefined, verdict: ConsentVerdict): Recommendation;
  /** Subjects with a stored browsing profile (to show, and test, that withdrawal erases it). */
  profiles(): string[];
}

export function genericList(exclude?: string): Product[] {
  return [...PRODUCTS]
    .filter((p) => p.id !== exclude)
    .sort((a, b) => a.rank - b.rank)
    .slice(0, COUNT);
}

export function createRecommender(): Recommender {
  const profiles = new Map<string, Profile>();
  const brief = (list: Product[]) => list.map((p) => ({ id: p.id, category: p.category }));

  return {
    recommend(productId, verdict) {
      const current = PRODUCTS.find((p) => p.id === productId);
      if (!verdict.allowed) {
        // A verified receipt that no longer allows the purpose: stop using and erase what was kept.
        if (verdict.subject) profiles.delete(verdict.subject);
        return {
          personalised: false,
          reason: verdict.reason,
          ...(verdict.detail ? { detail: verdict.detail } : {}),
          items: brief(genericList(current?.id)),
        };
      }
      const subject = verdict.subject!;
      let profile = profiles.get(subject);
      if (!profile) {
        profile = { views: new Map(), recent: [] };
        profiles.set(subject, profile);
      }
      if (current) {
        profile.views.set(current.category, (profile.views.get(current.category) ?? 0) + 1);
        profile.recent = [current.id, ...profile.recent.filter((id) => id !== current.id)].slice(0, 10);
      }
      const seen = new Set(profile.recent);
      const score = (p: Product) =>
        (current && p.category === current.category ? 4 : 0) +
        (profile.views.get(p.category) ?? 0) * 2 -
        (seen.has(p.id) ? 3 : 0);
      const items = [...PRODUCTS]
        .filter((p) => p.id !== current?.id)
        .sort((a, b) => score(b) - score(a) || a.rank - b.rank)
        .slice(0, COUNT);
      return { personalised: true, items: brief(items) };
    },
    profiles: () => [...profiles.keys()],
  };
}
