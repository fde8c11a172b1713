import { Component, type ComponentChildren, h } from 'preact';

// What Tab moves between inside the dialogs: they hold buttons only (no links, fields or tabindex;
// a test keeps it so), and no button is ever disabled. A dialog that one day holds another kind of
// focusable element must add it here.
const FOCUSABLE = 'button';

/** The focused element, looking through open shadow roots (the page's or our own). */
export function deepActive(): HTMLElement | null {
  let a = document.activeElement;
  while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
  return a as HTMLElement | null;
}

/**
 * Put focus back on `back`, or, when it has gone (the banner closed with the decision), on the
 * persistent "Privacy settings" button, so keyboard users are not dropped at the top of the page.
 * Runs after the closing render, so the browser does not move focus again.
 */
export function restoreFocus(back?: HTMLElement | null): void {
  setTimeout(() => {
    const a = deepActive();
    if (a && a !== document.body && a.isConnected) return;
    (back?.isConnected
      ? back
      : document.querySelector('assent-settings')?.shadowRoot?.querySelector('button')
    )?.focus();
  });
}

export interface ModalProps {
  /** id of the element that names the dialog. */
  labelledBy: string;
  /** Escape and the close button. */
  onClose: () => void;
  closeLabel: string;
  children?: ComponentChildren;
}

/**
 * A modal dialog: `role="dialog"` with `aria-modal`, focus moved into it (onto the dialog itself,
 * so that pressing Enter cannot agree to anything by accident), Tab and Shift+Tab kept inside,
 * Escape closes, and focus goes back to where it was when the dialog closes. A class component:
 * Preact's lifecycle methods do what hooks would, without shipping the hooks module.
 */
export class Modal extends Component<ModalProps> {
  // `declare`d, not initialised: class fields would cost the bundle a define-property helper.
  declare el?: HTMLDivElement | null;
  declare back?: HTMLElement | null;
  override componentDidMount() {
    this.back = deepActive();
    this.el?.focus();
  }
  override componentWillUnmount() {
    restoreFocus(this.back);
  }
  render({ labelledBy, onClose, closeLabel, children }: ModalProps) {
    const onKeyDown = (e: KeyboardEvent) => {
      const el = this.el;
      if (e.key === 'Escape') {
        e.stopPropagation();
        onClose();
      } else if (e.key === 'Tab' && el) {
        const all = [...el.querySelectorAll<HTMLElement>(FOCUSABLE)];
        const first = all[0];
        const last = all[all.length - 1];
        const here = (el.getRootNode() as ShadowRoot).activeElement;
        if (!first || !last) return e.preventDefault();
        if (e.shiftKey && (here === first || here === el)) {
          e.preventDefault();
          last.focus();
        } else if (!e.shiftKey && here === last) {
          e.preventDefault();
          first.focus();
        }
      }
    };
    return h(
      'div',
      { class: 'ov' },
      h(
        'div',
        {
          class: 'modal',
          role: 'dialog',
          'aria-modal': 'true',
          'aria-labelledby': labelledBy,
          tabIndex: -1,
          ref: (el: HTMLDivElement | null) => {
            this.el = el;
          },
          onKeyDown,
        },
        h('button', { type: 'button', class: 'x', 'aria-label': closeLabel, onClick: onClose }, '\u00d7'),
        children,
      ),
    );
  }
}
