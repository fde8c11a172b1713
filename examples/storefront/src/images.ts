// Product pictures drawn as SVG, so the demo ships no image files and needs no CDN.
import type { Product } from './catalog.js';
import { escapeHtml } from './lib/html.js';

const SHAPES: Record<Product['category'], string> = {
  tea: '<path d="M80 110c0-25 40-45 80-45s80 20 80 45-40 40-80 40-80-15-80-40Z" fill="#fff" opacity=".35"/><path d="M120 95c15-20 45-25 60-10-20 0-40 5-60 10Z" fill="#fff" opacity=".7"/>',
  ceramics: '<path d="M95 70h130l-15 70c-3 12-12 20-25 20h-50c-13 0-22-8-25-20Z" fill="#fff" opacity=".4"/>',
  home: '<rect x="85" y="60" width="150" height="100" rx="10" fill="#fff" opacity=".35"/><path d="M85 90h150M85 120h150" stroke="#fff" stroke-width="6" opacity=".5"/>',
  electronics:
    '<rect x="115" y="55" width="90" height="110" rx="18" fill="#fff" opacity=".35"/><circle cx="160" cy="135" r="10" fill="#fff" opacity=".8"/>',
};

export function productSvg(p: Product): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240" viewBox="0 0 320 240"><title>${escapeHtml(
    p.name.en,
  )}</title><rect width="320" height="240" fill="${p.color}"/>${SHAPES[p.category]}</svg>`;
}

export const FAVICON =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#2f5d50"/><path d="M8 14h16l-2 9a4 4 0 0 1-4 3h-4a4 4 0 0 1-4-3Z" fill="#fff"/></svg>';
