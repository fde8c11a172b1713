import type { JurisdictionRule } from '../config/types.js';

/** The purposes a jurisdiction rule counts as sale, sharing or targeted advertising (GPC's scope). */
export const gpcListed = (r: Pick<JurisdictionRule, 'sale' | 'sharing' | 'targetedAds'>): string[] => [
  ...(r.sale ?? []),
  ...(r.sharing ?? []),
  ...(r.targetedAds ?? []),
];
