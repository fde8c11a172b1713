// Demo analytics tag. The page carries it as an inert `<script type="text/plain"
// data-assent="analytics">`; Assent turns it into a real script only when the shopper has given
// consent to analytics. It reports each page view to the storefront's own server, so a test (or
// you, at /tags/hits) can see whether it ran.
(() => {
  fetch('/tags/hit', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ tag: 'analytics', page: location.pathname }),
    keepalive: true,
  }).catch(() => {});
  document.documentElement.dataset.analyticsTag = 'ran';
})();
