// Script, frame, image and stylesheet gating. Everything here runs on the loader's critical path,
// so the code is deliberately terse: DOM state is the bookkeeping (an activated element no longer
// matches), and the only memory is the queue of scripts waiting to run.

/** Options of {@link createGate}. */
export interface GateOptions {
  /** Whether a purpose may run now; an element runs only when every purpose it names is allowed. */
  allows: (id: string) => boolean;
  /** Subscribes to consent changes (e.g. `consent.subscribe`); the gate re-applies on each. */
  subscribe?: (listener: () => void) => () => void;
  /** Where gated elements live; default `document`. Watched for elements added later. */
  root?: Document | Element;
  /**
   * Called with each gated element still blocked and the purposes it lacks, on every pass, and
   * once with `[]` when it is activated. {@link placeholders} draws "Load this content" boxes here;
   * it is separate so that pages without embeds do not download it.
   */
  onBlocked?: (element: Element, missing: string[]) => void;
}

/** What {@link createGate} returns. */
export interface Gate {
  /**
   * Activates every gated element whose purposes are all allowed. Returns the gated elements still
   * blocked, in document order. Runs by itself on consent changes and DOM insertions.
   */
  apply(): Element[];
  /** Stops watching the page and consent; activated elements stay as they are. */
  disconnect(): void;
}

/**
 * Keep third-party scripts, frames, images and stylesheets inert until the shopper has given
 * every purpose they serve, then activate them once, scripts in document order.
 *
 * Markup: `<script type="text/plain" data-assent="analytics ads" data-src="https://...">` (or
 * inline code; `data-type="module"` makes a module script), `<iframe data-assent="video" data-src>`,
 * `<img data-assent data-src data-srcset>`, `<link rel="stylesheet" data-assent data-href>` (see
 * {@link placeholders} for "Load this content" boxes).
 * Scripts keep every other attribute (`nonce`, `integrity`, `crossorigin`, `async`,
 * `referrerpolicy`...). A non-async external script finishes loading before the next gated
 * script runs, as the HTML parser would do. Activation is one way: a script that ran cannot be
 * un-run, so withdrawal relies on storage clearing and `reloadOnWithdraw`.
 *
 * @example
 * ```ts
 * const consent = createConsent(config, { storage: cookieStorage() })
 * const gate = createGate({
 *   allows: (id) => consent.allows(id),
 *   subscribe: (fn) => consent.subscribe(fn),
 *   // Optional "Load this content" boxes, asking for the one purpose an embed lacks.
 *   onBlocked: placeholders({ requestPurpose: (id) => consent.set({ [id]: true }, 'preferences:save') }),
 * })
 * gate.apply() // the gated elements still blocked, in document order
 * ```
 */
export function createGate(o: GateOptions): Gate {
  let off = false;
  const [apply, mo] = watch(o, o.root ?? document, () => off);
  const unsubscribe = o.subscribe?.(apply);
  return {
    apply,
    disconnect() {
      off = true;
      mo.disconnect();
      unsubscribe?.();
    },
  };
}

/**
 * {@link createGate} over the whole document for the rest of the page's life: no `root`, no
 * `subscribe`, no `disconnect`. What the widget's loader runs, on every page view, where every
 * byte counts; call the returned `apply` after each consent change.
 *
 * @example
 * ```ts
 * const apply = gatePage({ allows: (id) => consent.allows(id) })
 * consent.subscribe(apply)
 * ```
 */
export const gatePage = (o: Pick<GateOptions, 'allows' | 'onBlocked'>): Gate['apply'] =>
  watch(o, document)[0];

// The gate itself: activates what is allowed now, at DOMContentLoaded and on every insertion.
function watch(
  o: Pick<GateOptions, 'allows' | 'onBlocked'>,
  root: Document | Element,
  off?: () => boolean,
): [Gate['apply'], MutationObserver] {
  const doc = root.ownerDocument ?? (root as Document);
  const queue: HTMLScriptElement[] = [];
  let waiting = false;

  // Gated elements are HTML (or SVG) elements; `dataset` reads their data-* attributes tersely.
  // Purposes an element still lacks. An empty `data-assent` lacks '' and so never runs: fail closed.
  const missing = (el: HTMLElement) =>
    (el.dataset.assent?.match(/\S+/g) ?? ['']).filter((id) => !(id && o.allows(id)));

  // True when the parser has moved past `el` (something follows it), so its text is complete.
  const parsed = (el: Node | null): unknown => el && (el.nextSibling || parsed(el.parentNode));

  const run = () => {
    while (!waiting && queue.length) {
      const old = queue.shift()!;
      // Removed from the page, or consent gone while it waited: drop it (it may be queued again).
      if (!old.parentNode || missing(old).length) continue;
      // A clone keeps every attribute, the code and (per the HTML spec's cloning steps) the nonce,
      // which browsers hide from getAttribute once parsed. Never having run, it may run.
      const s = old.cloneNode(true) as HTMLScriptElement;
      s.type = old.dataset.type ?? '';
      const src = old.dataset.src;
      if (src) {
        s.src = src;
        // Inserted scripts are async unless told otherwise; wait for a blocking one like the parser.
        if (!old.hasAttribute('async')) {
          s.async = false;
          waiting = true;
          const next = () => {
            waiting = false;
            run();
          };
          s.addEventListener('load', next);
          s.addEventListener('error', next);
        }
      }
      // The inert original must never match again, should the page put it back.
      delete old.dataset.assent;
      old.replaceWith(s);
    }
  };

  const apply = () => {
    const blocked: Element[] = [];
    if (!off?.())
      for (const el of root.querySelectorAll<HTMLElement>('[data-assent]')) {
        const script = el.localName === 'script';
        const attrs = ['src', 'srcset', 'href'].filter((a) => a in el.dataset);
        // Not gated (any more): an activated script has lost its type, a live element its data-src.
        if (
          queue.includes(el as HTMLScriptElement) ||
          (script ? (el as HTMLScriptElement).type !== 'text/plain' : !attrs.length)
        )
          continue;
        if (doc.readyState === 'loading' && !parsed(el)) break;
        const m = missing(el);
        o.onBlocked?.(el, m);
        if (m.length) blocked.push(el);
        else if (script) queue.push(el as HTMLScriptElement);
        else
          for (const a of attrs) {
            el.setAttribute(a, el.dataset[a]!);
            delete el.dataset[a];
          }
      }
    run();
    return blocked;
  };

  const mo = new MutationObserver(apply);
  mo.observe(root, { childList: true, subtree: true });
  doc.addEventListener('DOMContentLoaded', apply);
  apply();
  return [apply, mo];
}
