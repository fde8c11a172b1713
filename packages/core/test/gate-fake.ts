// A stand-in for `createConsent`'s result with just what the gate modules read, so their unit tests
// control `allows` directly. The e2e tests use the real thing.
export function fakeConsent(initial: Record<string, boolean> = {}) {
  const allowed: Record<string, boolean> = { ...initial };
  const decisions: Record<string, { status: string; at: number; method: string }> = {};
  const listeners = new Set<() => void>();
  return {
    allowed,
    decisionsRecord: decisions,
    allows: (id: string) => allowed[id] === true,
    decisions: () => ({ ...decisions }),
    subscribe(fn: () => void) {
      listeners.add(fn);
      return () => {
        listeners.delete(fn);
      };
    },
    set(choices: Record<string, boolean>, method = 'api') {
      for (const [id, v] of Object.entries(choices)) {
        allowed[id] = v;
        decisions[id] = { status: v ? 'given' : 'refused', at: Date.now(), method };
      }
      for (const l of listeners) l();
    },
    get listenerCount() {
      return listeners.size;
    },
  };
}
