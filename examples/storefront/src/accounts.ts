// Demo customer accounts and their sessions (in memory: the demo forgets them on restart).
import { randomBytes } from 'node:crypto';
import type { Locale } from './i18n.js';

export interface Account {
  /** The storefront's customer id: what link tokens carry as `cid`. */
  id: string;
  email: string;
  name: Record<Locale, string>;
}

export const ACCOUNTS: readonly Account[] = [
  { id: 'cust-1001', email: 'lina@example.com', name: { 'zh-CN': '李娜', en: 'Li Na' } },
  { id: 'cust-1002', email: 'sam@example.com', name: { 'zh-CN': '山姆', en: 'Sam Taylor' } },
];

export function findAccount(id: string): Account | undefined {
  return ACCOUNTS.find((a) => a.id === id);
}

export interface Sessions {
  create(account: Account): string;
  get(sessionId: string | undefined): Account | undefined;
  delete(sessionId: string | undefined): void;
}

export function createSessions(): Sessions {
  const byId = new Map<string, Account>();
  return {
    create(account) {
      const id = randomBytes(24).toString('base64url');
      byId.set(id, account);
      return id;
    },
    get: (id) => (id ? byId.get(id) : undefined),
    delete(id) {
      if (id) byId.delete(id);
    },
  };
}
