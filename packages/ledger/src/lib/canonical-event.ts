// RFC 8785 text of a consent event that core's validator accepted, without the generic
// canonicalizer's per-value work. The validator pins every member: the key set and hence their
// order, and every string except `policy.version` and `widget` to characters JSON never escapes;
// those two are printable ASCII, which JSON.stringify escapes exactly as RFC 8785 does. Purpose ids
// are ASCII, so the default sort is RFC 8785's UTF-16 order. The test suite checks the result
// against core's canonicalize() on generated events; anything else must go through canonicalize().
import type { ConsentEvent } from '@assent/core/protocol';

/** RFC 8785 text of a validated event, `link` left out (the ledger never stores it). */
export function canonicalEvent(e: ConsentEvent): string {
  const ids = Object.keys(e.purposes).sort();
  let purposes = '';
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    const p = e.purposes[id]!;
    purposes += `${i ? ',' : ''}"${id}":{"hash":"${p.hash}","status":"${p.status}"}`;
  }
  return (
    `{"at":"${e.at}","gpc":${e.gpc},"id":"${e.id}","jurisdiction":"${e.jurisdiction}","locale":"${e.locale}",` +
    `"method":"${e.method}","policy":{"hash":"${e.policy.hash}","version":${JSON.stringify(e.policy.version)}},` +
    `"purposes":{${purposes}},"subject":"${e.subject}","widget":${JSON.stringify(e.widget)}}`
  );
}
