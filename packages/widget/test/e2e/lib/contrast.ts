// WCAG 2.x contrast ratio from CSS colour strings, as Chromium reports computed colours
// (`rgb(r, g, b)` or `rgba(r, g, b, a)`; fully opaque colours only).
const channel = (c: number) => {
  const s = c / 255;
  return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
};

export function luminance(css: string): number {
  const m = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(css);
  if (!m) throw new Error(`cannot read colour ${css}`);
  const [r, g, b] = [+m[1]!, +m[2]!, +m[3]!].map(channel) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrast(a: string, b: string): number {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p) as [number, number];
  return (x + 0.05) / (y + 0.05);
}
