/** A mutable value whose writes call `changed`: the widget's whole state management. */
export interface Cell<T> {
  value: T;
}

// The UI has four pieces of state and one consent object; a cell per piece and a re-render of the
// (small) tree on every write is all it needs, and keeps a signals library out of the bundle.
export function cell<T>(initial: T, changed: () => void): Cell<T> {
  let v = initial;
  return {
    get value() {
      return v;
    },
    set value(next) {
      if (next !== v) {
        v = next;
        changed();
      }
    },
  };
}
