/**
 * What a purpose leaves in the browser. Each entry is an exact name or a `/regex/flags` pattern
 * (`"_ga"`, `"/^_ga_/"`); patterns match the cookies and keys the page can see.
 */
export interface StorageRules {
  cookies?: readonly string[];
  localStorage?: readonly string[];
}

/** {@link clearPurposeStorage}'s rules: what to delete, and what to keep although it matches. */
export interface ClearRules extends StorageRules {
  /** Entries of purposes still allowed: a name any of them matches is never deleted. */
  keep?: StorageRules;
}

// Entries starting with `/` are patterns; cookie names and storage keys never start with one.
const matcher =
  (list: readonly string[] = []) =>
  (name: string) =>
    list.some((p) => {
      const m = /^\/(.+)\/([a-z]*)$/.exec(p);
      return m ? new RegExp(m[1]!, m[2]).test(name) : p === name;
    });

/**
 * Delete a purpose's cookies and `localStorage` keys. A cookie is deleted under every path from `/`
 * down to the current page (with and without a trailing slash) and every domain from the host up
 * (`shop.example.com`, `.shop.example.com`, `.example.com`), host-only included, because a cookie
 * can only be deleted with the path and domain it was set with. Only cookies the page can see are
 * deleted: those paths and domains are exactly the ones whose cookies `document.cookie` shows, and
 * each write costs a round trip to the browser's cookie store (a purpose's cookies on a first visit
 * would otherwise cost dozens). `HttpOnly` cookies cannot be reached from the page: the server that
 * set them must clear them. `localStorage` is not touched without `localStorage` rules.
 *
 * @example
 * ```ts
 * clearPurposeStorage({ cookies: ['_ga', '/^_ga_/', '_gid'], localStorage: ['/^_hj/'] })
 * // A pattern of a withdrawn purpose, but a name an allowed purpose lists stays:
 * clearPurposeStorage({ cookies: ['/^_stats/'], keep: { cookies: ['_stats_shared'] } })
 * ```
 */
export function clearPurposeStorage(rules: ClearRules, win: Window = window): void {
  const { document: doc, location: loc } = win;
  const kept = (list: readonly string[] | undefined, keepList: readonly string[] | undefined) => {
    const is = matcher(list);
    const keep = matcher(keepList);
    return (name: string) => is(name) && !keep(name);
  };
  const isCookie = kept(rules.cookies, rules.keep?.cookies);
  const isKey = kept(rules.localStorage, rules.keep?.localStorage);
  const names = new Set<string>();
  if (rules.cookies?.length)
    for (const c of doc.cookie.split('; ')) {
      const n = c.split('=')[0]!;
      if (isCookie(n)) names.add(n);
    }
  const paths = ['/'];
  let path = '';
  for (const seg of loc.pathname.split('/').slice(1)) {
    path += '/' + seg;
    paths.push(path, path + '/');
  }
  const labels = loc.hostname.split('.');
  const domains = [''].concat(labels.map((_, i) => ';domain=.' + labels.slice(i).join('.')));
  // `Secure` lets a page delete `__Secure-` and `__Host-` cookies; it is only allowed on https.
  const tail = loc.protocol === 'https:' ? ';secure' : '';
  for (const n of names)
    for (const p of paths) for (const d of domains) doc.cookie = `${n}=;max-age=-1;path=${p}${d}${tail}`;
  // Reading storage throws where the browser blocks it; there is then nothing to delete.
  // Its first access is a synchronous round trip too: none without rules.
  if (rules.localStorage?.length)
    try {
      for (const k of Object.keys(win.localStorage)) if (isKey(k)) win.localStorage.removeItem(k);
    } catch {}
}
