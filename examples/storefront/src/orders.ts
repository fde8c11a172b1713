// Orders, kept in memory. Face payment and delivery to the precise location use sensitive data
// (biometric, precise location), so the checkout verifies the separate consent for each on the
// server, from the shopper's signed receipt, before it touches that data; card payment and a
// typed address need no consent and always work.
import { randomBytes } from 'node:crypto';
import type { CartLine } from './cart.js';
import { HttpError } from './lib/http.js';

export type Delivery = { mode: 'address'; address: string } | { mode: 'location'; lat: number; lon: number };

export interface Order {
  id: string;
  at: string;
  lines: { productId: string; quantity: number }[];
  totalFen: number;
  payment: 'card' | 'face';
  delivery: Delivery;
  /** Device subject whose receipt allowed the sensitive processing, when any was needed. */
  consentSubject?: string;
}

export interface CheckoutRequest {
  payment: 'card' | 'face';
  delivery: Delivery;
}

const MAX_ADDRESS = 300;

/** Reads and checks the checkout fields; throws a 400 `HttpError` naming the bad one. */
export function parseCheckout(fields: Record<string, unknown>): CheckoutRequest {
  const payment = fields['payment'] ?? 'card';
  if (payment !== 'card' && payment !== 'face')
    throw new HttpError(400, 'bad-payment', 'payment must be card or face');
  const mode = fields['delivery'] ?? 'address';
  if (mode === 'location') {
    const lat = Number(fields['lat']);
    const lon = Number(fields['lon']);
    if (
      fields['lat'] === '' ||
      fields['lon'] === '' ||
      !Number.isFinite(lat) ||
      !Number.isFinite(lon) ||
      Math.abs(lat) > 90 ||
      Math.abs(lon) > 180
    ) {
      throw new HttpError(400, 'bad-location', 'lat and lon must be coordinates');
    }
    return { payment, delivery: { mode, lat, lon } };
  }
  if (mode !== 'address') throw new HttpError(400, 'bad-delivery', 'delivery must be address or location');
  const address = typeof fields['address'] === 'string' ? fields['address'].trim() : '';
  if (!address || address.length > MAX_ADDRESS) {
    throw new HttpError(400, 'bad-address', `address must be 1 to ${MAX_ADDRESS} characters`);
  }
  return { payment, delivery: { mode, address } };
}

export interface OrderBook {
  place(lines: readonly CartLine[], request: CheckoutRequest, consentSubject?: string): Order;
  get(id: string): Order | undefined;
  all(): readonly Order[];
}

export function createOrderBook(): OrderBook {
  const orders = new Map<string, Order>();
  return {
    place(lines, request, consentSubject) {
      const order: Order = {
        id: `A${randomBytes(4).toString('hex').toUpperCase()}`,
        at: new Date().toISOString(),
        lines: lines.map((l) => ({ productId: l.product.id, quantity: l.quantity })),
        totalFen: lines.reduce((s, l) => s + l.product.priceFen * l.quantity, 0),
        ...request,
        ...(consentSubject ? { consentSubject } : {}),
      };
      orders.set(order.id, order);
      return order;
    },
    get: (id) => orders.get(id),
    all: () => [...orders.values()],
  };
}
