// Script, frame, image and stylesheet gating. Everything here runs on the loader's critical path,
// so the code is deliberately terse: DOM state is the bookkeeping (an activated element no longer
// matches the selector), and the only memory is a WeakSet for scripts waiting in the queue.

/** Options of {@link createGate}. */
export interface GateOptions {
  /** Whether a purpose may run now; an element runs only when every purpose it names is allowed. */
  allows: (id: string) => boolean;
  /** Subscribes to consent changes (e.g. `consent.subscribe`); the gate re-applies on each. */
  subscribe?: (listener: () => void) => () => void;
  /** Where gated elements live; default `document`. Watched for elements added later. */
  root?: Document | Element;
  /**
   * Asks for one purpose's consent; called by a placeholder's button with the first purpose the
   * element still lacks. Without it, no placeholders are drawn.
   */
  requestPurpose?: (id: string) => void;
  /** Text of the placeholder button; default `Load this content`. */
  placeholderLabel?: string;
}

/** A blocked element and the purposes it still waits for. */
export interface Blocked {
  element: Element;
  missing: string[];
}

/** What {@link createGate} returns. */
export interface Gate {
  /** Activates every gated element whose purposes are all allowed, and re-blocks frames, images and styles whose purposes are no longer. */
  apply(): void;
  /** The gated elements still blocked, in document order. */
  scan(): Blocked[];
  /** Stops watching the page and consent; activated elements stay as they are. */
  disconnect(): void;
}

// Attributes moved between `data-x` (blocked) and `x` (live) on frames, images and stylesheets.
const MOVED = ['src', 'srcset', 'href'];
const SEL =
  'script[type="text/plain"][data-assent],[data-assent][data-src]:not(script),[data-assent][data-srcset],[data-assent][data-href]';
const LIVE = 'data-assent-live';

const move = (el: Element, from: string, to: string) => {
  for (const a of MOVED) {
    const v = el.getAttribute(from + a);
    if (v != null) {
      el.removeAttribute(from + a);
      el.setAttribute(to + a, v);
    }
  }
};

/**
 * Keep third-party scripts, frames, images and stylesheets inert until the shopper has given
 * every purpose they serve, then activate them once, scripts in document order.
 *
 * Markup: `<script type="text/plain" data-assent="analytics ads" data-src="https://...">` (or
 * inline code; `data-type="module"` makes a module script), `<iframe data-assent="video" data-src>`,
 * `<img data-assent data-src data-srcset>`, `<link rel="stylesheet" data-assent data-href>`, and
 * optionally `data-assent-placeholder="text"` on a frame or image for a "Load this content" box.
 * Scripts keep every other attribute (`nonce`, `integrity`, `crossorigin`, `async`,
 * `referrerpolicy`...). A non-async external script finishes loading before the next gated
 * script runs, as the HTML parser would do. A script that ran cannot be un-run; frames, images and
 * stylesheets are unloaded again when consent goes.
 *
 * @example
 * ```ts
 * const consent = createConsent(config)
 * createGate({
 *   allows: (id) => consent.allows(id),
 *   subscribe: (fn) => consent.subscribe(fn),
 *   requestPurpose: (id) => consent.set({ [id]: true }),
 * })
 * ```
 */
export function createGate(o: GateOptions): Gate {
  const root = o.root ?? document;
  const doc = root.ownerDocument ?? (root as Document);
  const queued = new WeakSet<Element>();
  const boxes = new WeakMap<Element, Element>();
  const queue: HTMLScriptElement[] = [];
  let waiting = false;
  let off = false;

  // Purposes an element still lacks. An empty `data-assent` lacks '' and so never runs: fail closed.
  const missing = (el: Element) =>
    (el.getAttribute('data-assent')?.match(/\S+/g) ?? ['']).filter((id) => !(id && o.allows(id)));

  // True when the parser has moved past `el` (something follows it), so its text is complete.
  const parsed = (el: Node | null): boolean => !!el && (!!el.nextSibling || parsed(el.parentNode));

  const run = () => {
    while (!waiting && queue.length) {
      const old = queue.shift()!;
      // Removed from the page, or consent gone while it waited: drop it (it may be queued again).
      if (!old.parentNode || missing(old).length) {
        queued.delete(old);
        continue;
      }
      const s = doc.createElement('script');
      for (const a of old.attributes)
        if (!/^(type|data-src|data-type)$/.test(a.name)) s.setAttribute(a.name, a.value);
      // Browsers hide `nonce` from getAttribute once parsed; the property keeps it.
      s.nonce = old.nonce;
      const type = old.getAttribute('data-type');
      if (type) s.type = type;
      const src = old.getAttribute('data-src');
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
      } else s.text = old.text;
      old.replaceWith(s);
    }
  };

  const apply = () => {
    if (off) return;
    for (const el of root.querySelectorAll(`[${LIVE}]`))
      if (missing(el).length) {
        const c = el.cloneNode(true) as Element;
        c.removeAttribute(LIVE);
        move(c, '', 'data-');
        el.replaceWith(c);
      }
    for (const el of root.querySelectorAll(SEL)) {
      if (queued.has(el)) continue;
      if (doc.readyState === 'loading' && !parsed(el)) break;
      const m = missing(el);
      const box = boxes.get(el);
      if (m.length) {
        if (
          !box &&
          o.requestPurpose &&
          el.hasAttribute('data-assent-placeholder') &&
          el.localName !== 'script'
        ) {
          const d = doc.createElement('div');
          const p = doc.createElement('p');
          const b = doc.createElement('button');
          d.className = 'assent-placeholder';
          p.textContent = el.getAttribute('data-assent-placeholder');
          b.type = 'button';
          b.textContent = o.placeholderLabel ?? 'Load this content';
          b.addEventListener('click', () => {
            const id = missing(el)[0];
            if (id) o.requestPurpose!(id);
          });
          d.append(p, b);
          el.before(d);
          (el as HTMLElement).hidden = true;
          boxes.set(el, d);
        }
        continue;
      }
      if (box) {
        box.remove();
        boxes.delete(el);
        (el as HTMLElement).hidden = false;
      }
      if (el.localName === 'script') {
        queued.add(el);
        queue.push(el as HTMLScriptElement);
      } else {
        move(el, 'data-', '');
        el.setAttribute(LIVE, '');
      }
    }
    run();
  };

  const mo = new MutationObserver(apply);
  mo.observe(root, { childList: true, subtree: true });
  const unsubscribe = o.subscribe?.(apply);
  if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', apply, { once: true });
  apply();

  return {
    apply,
    scan: () =>
      [...root.querySelectorAll(SEL)]
        .map((element) => ({ element, missing: missing(element) }))
        .filter((b) => b.missing.length),
    disconnect() {
      off = true;
      mo.disconnect();
      unsubscribe?.();
    },
  };
}
