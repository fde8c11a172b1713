// WCAG 2.2 SC 2.4.11 (Focus Not Obscured, AA): the banner is fixed at the bottom and non-modal, so
// whatever Tab focuses on the page must not end up entirely under it. While it shows, the page's
// scroll padding keeps focus targets above it (browsers honour `scroll-padding` when they scroll a
// focused element into view), and an empty block of its height at the end of the body lets the
// page's last links scroll clear of it. The block adds room below everything, so nothing on the
// page moves (no layout shift); both go when the banner goes. Styles are set through the CSSOM,
// which a strict Content-Security-Policy allows.

/**
 * A Preact `ref` for the banner: called with the element when it mounts and `null` when it goes.
 * One per mounted widget.
 */
export function clearance(): (banner: HTMLElement | null) => void {
  const html = document.documentElement.style;
  const block = document.createElement('div');
  // The page's own inline value, restored when the banner goes; undefined while nothing is set.
  let own: string | undefined;
  const ro = new ResizeObserver(([e]) => {
    const px = `${(e!.target as HTMLElement).offsetHeight}px`;
    own ??= html.scrollPaddingBottom;
    html.scrollPaddingBottom = block.style.height = px;
    document.body.append(block);
  });
  return (el) => {
    ro.disconnect();
    if (el) ro.observe(el);
    else if (own !== undefined) {
      html.scrollPaddingBottom = own;
      own = undefined;
      block.remove();
    }
  };
}
