// The cart lives in a first-party cookie (`shop_cart`): needed to fulfil the order the shopper
// asked for, so it needs no consent. Its format is `id:qty,id:qty`; anything else is dropped.
import { findProduct, type Product } from './catalog.js';

export const CART_COOKIE = 'shop_cart';
const MAX_LINES = 20;
const MAX_QUANTITY = 9;

export interface CartLine {
  product: Product;
  quantity: number;
}

export function parseCart(value: string | undefined): CartLine[] {
  const lines: CartLine[] = [];
  for (const part of (value ?? '').split(',')) {
    const [id = '', qty = ''] = part.split(':');
    const product = findProduct(id);
    const quantity = Number(qty);
    if (!product || !Number.isInteger(quantity) || quantity < 1 || lines.some((l) => l.product === product))
      continue;
    lines.push({ product, quantity: Math.min(quantity, MAX_QUANTITY) });
    if (lines.length === MAX_LINES) break;
  }
  return lines;
}

export function serializeCart(lines: readonly CartLine[]): string {
  return lines.map((l) => `${l.product.id}:${l.quantity}`).join(',');
}

export function addToCart(lines: readonly CartLine[], product: Product, quantity: number): CartLine[] {
  const q = Number.isInteger(quantity) && quantity > 0 ? quantity : 1;
  const existing = lines.find((l) => l.product === product);
  if (existing) {
    return lines.map((l) =>
      l === existing ? { product, quantity: Math.min(l.quantity + q, MAX_QUANTITY) } : l,
    );
  }
  return [...lines, { product, quantity: Math.min(q, MAX_QUANTITY) }].slice(0, MAX_LINES);
}

export function removeFromCart(lines: readonly CartLine[], productId: string): CartLine[] {
  return lines.filter((l) => l.product.id !== productId);
}

export function cartCount(lines: readonly CartLine[]): number {
  return lines.reduce((n, l) => n + l.quantity, 0);
}
