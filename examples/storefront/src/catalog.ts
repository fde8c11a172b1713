// The shop's products. Prices are in fen (CNY cents) so arithmetic stays exact.
import type { Locale } from './i18n.js';

export type Category = 'tea' | 'ceramics' | 'home' | 'electronics';

export interface Product {
  id: string;
  category: Category;
  priceFen: number;
  /** Position in the all-shopper best-seller list: what everyone sees without personalisation. */
  rank: number;
  /** Swatch colour of the drawn product picture. */
  color: string;
  name: Record<Locale, string>;
  description: Record<Locale, string>;
}

const p = (
  id: string,
  category: Category,
  priceFen: number,
  rank: number,
  color: string,
  zh: [string, string],
  en: [string, string],
): Product => ({
  id,
  category,
  priceFen,
  rank,
  color,
  name: { 'zh-CN': zh[0], en: en[0] },
  description: { 'zh-CN': zh[1], en: en[1] },
});

export const PRODUCTS: readonly Product[] = [
  p(
    'longjing-tea',
    'tea',
    16800,
    1,
    '#6b8e23',
    ['明前龙井 250g', '杭州西湖产区明前采摘，豆香清雅。'],
    [
      'Pre-Qingming Longjing tea, 250 g',
      'Picked before Qingming on the West Lake slopes: chestnut aroma, bright liquor.',
    ],
  ),
  p(
    'puer-cake',
    'tea',
    29800,
    5,
    '#7b3f00',
    ['云南普洱熟茶饼 357g', '勐海大叶种，陈放五年，醇厚回甘。'],
    ['Yunnan ripe pu-erh cake, 357 g', 'Menghai large-leaf, aged five years: smooth and sweet.'],
  ),
  p(
    'jasmine-pearls',
    'tea',
    12800,
    7,
    '#c9d8a6',
    ['茉莉龙珠 100g', '福州茉莉七窨，手工揉捻成珠。'],
    ['Jasmine dragon pearls, 100 g', 'Scented seven times with Fuzhou jasmine, rolled by hand.'],
  ),
  p(
    'celadon-cup',
    'ceramics',
    8800,
    3,
    '#8fbcaa',
    ['龙泉青瓷品茗杯', '梅子青釉，手工拉坯，一杯一色。'],
    ['Longquan celadon tea cup', 'Plum-green glaze, thrown by hand: each cup its own shade.'],
  ),
  p(
    'teapot-yixing',
    'ceramics',
    45800,
    8,
    '#8b4513',
    ['宜兴紫砂壶 200ml', '原矿紫泥，适合乌龙与普洱。'],
    ['Yixing clay teapot, 200 ml', 'Raw purple clay, made for oolong and pu-erh.'],
  ),
  p(
    'blue-white-bowl',
    'ceramics',
    6800,
    6,
    '#2f4f8f',
    ['景德镇青花碗', '手绘缠枝莲纹，可用洗碗机。'],
    ['Jingdezhen blue-and-white bowl', 'Hand-painted lotus scroll; dishwasher safe.'],
  ),
  p(
    'silk-scarf',
    'home',
    36800,
    4,
    '#b03060',
    ['苏州桑蚕丝围巾', '十六姆米重磅真丝，手工卷边。'],
    ['Suzhou mulberry silk scarf', '16-momme silk with hand-rolled edges.'],
  ),
  p(
    'bamboo-tray',
    'home',
    15800,
    9,
    '#c8a165',
    ['竹制干泡茶盘', '安吉毛竹，防水蜡木油处理。'],
    ['Bamboo tea tray', 'Anji moso bamboo, finished with hard-wax oil.'],
  ),
  p(
    'smart-kettle',
    'electronics',
    39900,
    2,
    '#4a4a4a',
    ['智能控温烧水壶', '七档控温，40 至 100°C，保温两小时。'],
    ['Smart temperature kettle', 'Seven settings from 40 to 100 °C, keeps warm for two hours.'],
  ),
  p(
    'tea-scale',
    'electronics',
    9900,
    10,
    '#708090',
    ['茶道电子秤 0.1g', '计时与称重一体，USB-C 充电。'],
    ['Tea scale, 0.1 g', 'Timer and scale in one, charges over USB-C.'],
  ),
];

export function findProduct(id: string): Product | undefined {
  return PRODUCTS.find((x) => x.id === id);
}

export function formatPrice(fen: number, locale: Locale): string {
  return new Intl.NumberFormat(locale, { style: 'currency', currency: 'CNY' }).format(fen / 100);
}
