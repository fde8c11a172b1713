/**
 * Give a shadow root its stylesheet. Constructable stylesheets are not inline `<style>` as far as
 * a Content-Security-Policy is concerned, so a strict `style-src` needs nothing; engines without
 * them get a `<style>` carrying the page's nonce.
 */
export function adoptStyles(root: ShadowRoot, css: string, nonce?: string): void {
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [sheet];
  } catch {
    const el = document.createElement('style');
    if (nonce) el.nonce = nonce;
    el.textContent = css;
    root.append(el);
  }
}
