/** Options of {@link placeholders}. */
export interface PlaceholderOptions {
  /** Asks for one purpose's consent (e.g. opens the widget for it); gets the first purpose missing. */
  requestPurpose: (id: string) => void;
  /** Text of the button; default `Load this content`. */
  label?: string;
}

/**
 * A `createGate` `onBlocked` handler that puts a box before each blocked frame or image carrying
 * `data-assent-placeholder="Text shown"`: the text and a "Load this content" button that asks for
 * the first purpose still missing, and only that one. The element is `hidden` meanwhile; the box
 * goes when it is activated. Built with DOM calls and text nodes only (no `innerHTML`), so page
 * text cannot inject markup and it works under a strict CSP. Style it with `.assent-placeholder`.
 *
 * @example
 * ```ts
 * createGate({ allows, subscribe, onBlocked: placeholders({ requestPurpose: (id) => consent.set({ [id]: true }) }) })
 * // <iframe data-assent="video" data-src="https://www.youtube-nocookie.com/embed/..."
 * //         data-assent-placeholder="This video is hosted by YouTube."></iframe>
 * ```
 */
export function placeholders(o: PlaceholderOptions): (element: Element, missing: string[]) => void {
  const boxes = new WeakMap<Element, [Element, string[]]>();
  return (el, missing) => {
    const box = boxes.get(el);
    const text = el.getAttribute('data-assent-placeholder');
    if (box) box[1] = missing;
    if (box && !missing.length) {
      box[0].remove();
      boxes.delete(el);
      (el as HTMLElement).hidden = false;
    } else if (!box && missing.length && text != null && el.localName !== 'script') {
      const doc = el.ownerDocument;
      const d = doc.createElement('div');
      const b = doc.createElement('button');
      const entry: [Element, string[]] = [d, missing];
      d.className = 'assent-placeholder';
      b.type = 'button';
      b.textContent = o.label ?? 'Load this content';
      b.onclick = () => o.requestPurpose(entry[1][0]!);
      d.append(text, b);
      el.before(d);
      (el as HTMLElement).hidden = true;
      boxes.set(el, entry);
    }
  };
}
