// The widget's stylesheet, adopted by its shadow root. Every colour, radius and font comes from a
// documented custom property (docs/theming.md) so a store can theme the widget from its own CSS
// (`assent-widget { --assent-accent: #0b6e4f }`); custom properties inherit into the shadow tree,
// nothing else from the page does. The defaults meet WCAG 2.2 AA contrast (4.5:1 text, 3:1 UI).
// Logical properties (inline-start/end) make right-to-left locales lay out correctly by `dir` alone.
// Selectors are bare elements where they can be: a shadow root's stylesheet reaches only the
// widget's own elements, so `p` says what `.r p` did, in fewer bytes every shopper downloads.
// Each custom property is read where it is used, with its default, rather than through short
// private aliases set on `.r`: gzip makes the repeats nearly free, the aliases cost 44 bytes more.
export const css =
  ':host{all:initial;display:contents}' +
  '.r{font:var(--assent-font-size,1rem)/1.5 var(--assent-font,system-ui,-apple-system,"Segoe UI",Roboto,"PingFang SC","Microsoft YaHei",sans-serif);color:var(--assent-text,#111827);text-align:start}' +
  '*{box-sizing:border-box}' +
  '.banner{position:fixed;z-index:var(--assent-z,2147483000);inset-inline:0;bottom:0;margin:0 auto;max-width:var(--assent-max-width,52rem);max-height:100vh;overflow:auto;background:var(--assent-bg,#fff);border:1px solid var(--assent-border,#6b7280);border-bottom:0;border-radius:var(--assent-radius,.5rem) var(--assent-radius,.5rem) 0 0;box-shadow:0 -2px 16px #0003;padding:1rem 1.25rem}' +
  'h2{font-size:1.125em;line-height:1.3;margin:0 0 .5rem;padding-inline-end:2.5rem}' +
  'p{margin:0 0 .75rem}' +
  '.ctl{font-weight:600}' +
  'a{color:var(--assent-accent,#1d4ed8);text-decoration:underline}' +
  '.actions{display:flex;flex-wrap:wrap;gap:.5rem;margin-top:.75rem}' +
  'button{font:inherit;cursor:pointer}' +
  '.x,.link{background:none;border:0}' +
  '.btn{flex:1 1 9rem;min-height:2.75rem;padding:.5rem 1rem;font-weight:600;color:var(--assent-accent-text,#fff);background:var(--assent-accent,#1d4ed8);border:2px solid var(--assent-accent,#1d4ed8);border-radius:var(--assent-radius,.5rem)}' +
  '.btn:hover{filter:brightness(1.1)}' +
  '.x{position:absolute;inset-inline-end:.5rem;top:.5rem;width:2.75rem;height:2.75rem;font-size:1.5em;line-height:1;color:var(--assent-text,#111827);border-radius:var(--assent-radius,.5rem)}' +
  ':focus-visible{outline:3px solid var(--assent-focus,#1d4ed8);outline-offset:2px}' +
  '.note{color:var(--assent-muted,#4b5563);font-size:.9375em}' +
  '.ov{position:fixed;z-index:var(--assent-z,2147483000);inset:0;display:flex;align-items:center;justify-content:center;padding:1rem;background:#11182799}' +
  '.modal{position:relative;width:min(44rem,100%);max-height:100%;overflow:auto;background:var(--assent-bg,#fff);border-radius:var(--assent-radius,.5rem);padding:1.25rem;box-shadow:0 8px 32px rgba(0,0,0,.3)}' +
  'h3{font-size:1em;margin:1.25rem 0 .5rem}' +
  '.p{border-top:1px solid var(--assent-border,#6b7280);padding:.75rem 0}' +
  '.ph{display:flex;align-items:center;gap:1rem;justify-content:space-between}' +
  'h4,.ph h3{font-size:1em;margin:0}' +
  'dl{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.25rem .75rem;margin:.5rem 0 0;font-size:.9375em}' +
  'dt{color:var(--assent-muted,#4b5563)}' +
  'dd{margin:0;overflow-wrap:anywhere}' +
  '.tag{display:inline-block;margin-inline-end:.25rem;padding:0 .375rem;border:1px solid var(--assent-border,#6b7280);border-radius:.25rem;font-size:.875em}' +
  '.sens{color:var(--assent-sensitive-text,#991b1b);border-color:currentColor;font-weight:600}' +
  '.on{color:var(--assent-muted,#4b5563);font-weight:600}' +
  '.sw{flex:none;position:relative;width:3.25rem;height:1.75rem;border:2px solid var(--assent-border,#6b7280);border-radius:1rem;background:var(--assent-border,#6b7280);padding:0}' +
  '.sw::after{content:"";position:absolute;top:.125rem;inset-inline-start:.125rem;width:1.25rem;height:1.25rem;border-radius:50%;background:var(--assent-knob,#fff)}' +
  '.sw[aria-checked=true]{background:var(--assent-accent,#1d4ed8);border-color:var(--assent-accent,#1d4ed8)}' +
  '.sw[aria-checked=true]::after{inset-inline-start:1.625rem}' +
  '.link{color:var(--assent-accent,#1d4ed8);padding:.25rem 0;text-decoration:underline;min-height:1.5rem}' +
  '.hist{margin:0;padding-inline-start:1.25rem;font-size:.9375em}' +
  '.live{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}' +
  '@media (prefers-reduced-motion:no-preference){.banner,.modal{animation:assent-in .18s ease-out}}' +
  '@keyframes assent-in{from{opacity:0}}' +
  '@media (forced-colors:active){.btn,.sw{border:2px solid ButtonText}.sw[aria-checked=true]{background:Highlight}}';
