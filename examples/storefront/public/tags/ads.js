// Demo advertising-partner tag: stands in for a third party's pixel. Gated on the advertising
// purpose (separate consent, since data goes to another company); reports to the storefront's
// own server instead of a real partner, so tests can see whether it ran.
(() => {
  fetch('/tags/hit', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tag: 'ads', page: location.pathname }),
    keepalive: true,
  }).catch(() => {});
  document.documentElement.dataset.adsTag = 'ran';
})();
