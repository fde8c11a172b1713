/**
 * What a purpose leaves in the browser. Each entry is an exact name or a `/regex/flags` pattern
 * (`"_ga"`, `"/^_ga_/"`); patterns match the cookies and keys the page can see.
 */
export interface StorageRules {
  cookies?: readonly string[];
  localStorage?: readonly string[];
  sessionStorage?: readonly string[];
}

type Test = string | RegExp;

const compile = (list: readonly string[] = []): Test[] =>
  list.map((p) => {
    const m = /^\/(.+)\/([a-z]*)$/.exec(p);
    return m ? new RegExp(m[1]!, m[2]) : p;
  });

const hit = (tests: Test[], name: string) =>
  tests.some((t) => (typeof t === 'string' ? t === name : t.test(name)));

/**
 * Delete a purpose's cookies and Web Storage keys. A cookie is deleted under every path from `/`
 * down to the current page (with and without a trailing slash) and every domain from the host up
 * to its registrable parent (`shop.example.com`, `.shop.example.com`, `.example.com`), host-only
 * included, because a cookie can only be deleted with the path and domain it was set with.
 * `HttpOnly` cookies cannot be reached from the page: the server that set them must clear them.
 * Returns the cookie names it deleted or tried to (exact names are tried even when not visible).
 *
 * @example
 * ```ts
 * clearPurposeStorage({ cookies: ['_ga', '/^_ga_/', '_gid'], localStorage: ['/^_hj/'] })
 * ```
 */
export function clearPurposeStorage(rules: StorageRules, win: Window = window): string[] {
  const { document: doc, location: loc } = win;
  const tests = compile(rules.cookies);
  const names = new Set(tests.filter((t) => typeof t === 'string'));
  for (const c of doc.cookie.split(/; */)) {
    const n = c.split('=')[0]!;
    if (n && hit(tests, n)) names.add(n);
  }
  const paths = ['/', loc.pathname];
  for (let i = 0; ; ) {
    i = loc.pathname.indexOf('/', i + 1);
    if (i < 0) break;
    paths.push(loc.pathname.slice(0, i), loc.pathname.slice(0, i + 1));
  }
  const labels = loc.hostname.split('.');
  const domains = [''];
  for (let i = 0; i < labels.length - 1; i++) domains.push(';domain=.' + labels.slice(i).join('.'));
  // `Secure` lets a page delete `__Secure-` and `__Host-` cookies; it is only allowed on https.
  const tail = loc.protocol === 'https:' ? ';secure' : '';
  for (const n of names)
    for (const p of paths) for (const d of domains) doc.cookie = `${n}=;max-age=-1;path=${p}${d}${tail}`;
  for (const k of ['localStorage', 'sessionStorage'] as const) {
    if (!rules[k]) continue;
    const t = compile(rules[k]);
    // Reading storage throws where the browser blocks it; there is then nothing to delete.
    try {
      const s = win[k];
      for (const key of Array.from({ length: s.length }, (_, i) => s.key(i)!))
        if (hit(t, key)) s.removeItem(key);
    } catch {}
  }
  return [...names];
}
