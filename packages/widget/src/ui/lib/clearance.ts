// WCAG 2.2 SC 2.4.11 (Focus Not Obscured, AA): the banner is fixed at the bottom and non-modal, so
// whatever Tab focuses on the page must not end up entirely under it. While it shows, the page's
// scroll padding keeps focus targets above it (browsers honour `scroll-padding` when they scroll a
// focused element into view), and an empty block of its height at the end of the body lets the
// page's last links scroll clear of it. The block adds room below everything, so nothing on the
// page moves (no layout shift). When the banner goes, the block goes and `<html>`'s inline
// `scroll-padding-bottom` is cleared (a page that sets one inline gets it back only from its own
// stylesheet). Styles are set through the CSSOM, which a strict Content-Security-Policy allows.

/**
 * A Preact `ref` for the banner: called with the element when it mounts and `null` when it goes.
 * One per mounted widget.
 */
export function clearance(): (banner: HTMLElement | null) => void {
  const block = document.createElement('div');
  const fit = (px: string) => {
    document.documentElement.style.scrollPaddingBottom = block.style.height = px;
  };
  const ro = new ResizeObserver(([e]) => {
    fit(`${(e!.target as HTMLElement).offsetHeight}px`);
    document.body.append(block);
  });
  return (el) => {
    ro.disconnect();
    if (el) ro.observe(el);
    else {
      fit('');
      block.remove();
    }
  };
}
