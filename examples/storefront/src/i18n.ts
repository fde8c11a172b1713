// The storefront's own texts. Consent texts are not here: they come from the Assent config, so
// that what the shopper reads is exactly what the definition hash covers.

export type Locale = 'zh-CN' | 'en';
export const LOCALES: readonly Locale[] = ['zh-CN', 'en'];

const en = {
  shopName: 'Hangzhou Tea House',
  tagline: 'Tea, tea ware and a few good things, shipped from Hangzhou.',
  navProducts: 'Products',
  navCart: 'Cart',
  navSignIn: 'Sign in',
  navSignOut: 'Sign out',
  signedInAs: 'Signed in as {name}',
  language: 'Language',
  allProducts: 'All products',
  addToCart: 'Add to cart',
  added: 'Added to your cart.',
  recommended: 'Recommended for you',
  recLoading: 'Loading recommendations…',
  recGeneric:
    'Our best sellers. Allow personalisation in your privacy settings to see picks based on what you browse.',
  recPersonal: 'Picked for you from what you have browsed here.',
  recWhy: 'Why am I seeing this?',
  cartTitle: 'Your cart',
  cartEmpty: 'Your cart is empty.',
  quantity: 'Quantity',
  remove: 'Remove',
  subtotal: 'Subtotal',
  toCheckout: 'Go to checkout',
  checkoutTitle: 'Checkout',
  delivery: 'Delivery',
  deliverAddress: 'Deliver to this address',
  address: 'Address',
  addressPlaceholder: 'Street, building, district, city',
  deliverLocation: 'Deliver to my current location',
  deliverLocationNote:
    'Uses your precise location once, for this delivery. We will ask for your separate consent.',
  payment: 'Payment',
  payCard: 'Card',
  cardNumber: 'Card number',
  payFace: 'Face payment',
  payFaceNote:
    'Pay by scanning your face. We will ask for your separate consent when you pay; card payment always remains available.',
  payNow: 'Pay {amount}',
  faceScanning: 'Scanning your face…',
  faceRefused: 'Face payment was not allowed, so nothing was scanned. Please pay by card.',
  locationRefused: 'Precise location was not allowed. Please type your delivery address.',
  locationUnavailable: 'Your location could not be read. Please type your delivery address.',
  consentPending: 'Recording your consent…',
  orderPlaced: 'Thank you! Order {id} is confirmed.',
  orderTitle: 'Order {id}',
  orderPaidWith: 'Paid with: {method}',
  orderDeliverTo: 'Delivering to: {place}',
  preciseLocation: 'your precise location ({lat}, {lon})',
  continueShopping: 'Continue shopping',
  newsletterTitle: 'Newsletter',
  newsletterText: 'New harvests and tea ware, at most twice a month. Needs your consent to marketing emails.',
  email: 'Email',
  subscribe: 'Subscribe',
  subscribed: 'Subscribed. You can unsubscribe any time by withdrawing your consent.',
  newsletterNeedsConsent:
    'We can only send marketing emails with your consent. Allow "marketing emails" in your privacy settings, then subscribe again.',
  privacySettings: 'Privacy settings',
  privacyNotice: 'Privacy notice',
  signInTitle: 'Sign in',
  signInText:
    "Demo accounts (no password needed): signing in links this browser's consent to your account, so your choices follow you to your other devices.",
  signInAs: 'Sign in as {name}',
  notFound: 'Page not found.',
  backHome: 'Back to the shop',
  noticeController: 'Who we are',
  noticePurposes: 'What we use your data for',
  noticeBasis: 'Legal basis',
  noticeCategories: 'Data',
  noticeRetention: 'Kept for',
  noticeRecipients: 'Given to',
  noticeTransfer: 'Transferred abroad to',
  noticeSeparate: 'Asked for separately, at the moment it is needed',
  noticeVersion: 'Notice version {version}',
  basisConsent: 'your consent',
  basisContract: 'needed to fulfil your order',
  basisLegal: 'a legal obligation',
  sensitive: 'sensitive',
  footerDemo: 'A demo store for Assent. Nothing is sold, no email is sent.',
  operatedBy: 'Operated by {controller}',
  years: '{n} years',
  year: '1 year',
  months: '{n} months',
  month: '1 month',
  days: '{n} days',
  day: '1 day',
} as const;

export type MessageKey = keyof typeof en;

const zh: Record<MessageKey, string> = {
  shopName: '杭州茶舍',
  tagline: '好茶、茶器与生活小物，杭州发货。',
  navProducts: '全部商品',
  navCart: '购物车',
  navSignIn: '登录',
  navSignOut: '退出',
  signedInAs: '已登录：{name}',
  language: '语言',
  allProducts: '全部商品',
  addToCart: '加入购物车',
  added: '已加入购物车。',
  recommended: '为你推荐',
  recLoading: '正在加载推荐…',
  recGeneric: '本店热销。在隐私设置中允许"个性化推荐"后，可看到根据你的浏览记录挑选的商品。',
  recPersonal: '根据你在本店的浏览记录为你挑选。',
  recWhy: '为什么看到这些？',
  cartTitle: '购物车',
  cartEmpty: '购物车是空的。',
  quantity: '数量',
  remove: '删除',
  subtotal: '小计',
  toCheckout: '去结算',
  checkoutTitle: '结算',
  delivery: '配送',
  deliverAddress: '配送到以下地址',
  address: '地址',
  addressPlaceholder: '街道、楼栋、区、城市',
  deliverLocation: '配送到我当前的位置',
  deliverLocationNote: '仅为本次配送使用一次你的精确位置，我们会单独征得你的同意。',
  payment: '支付方式',
  payCard: '银行卡',
  cardNumber: '卡号',
  payFace: '刷脸支付',
  payFaceNote: '通过人脸识别付款。付款时我们会单独征得你的同意；银行卡支付始终可用。',
  payNow: '支付 {amount}',
  faceScanning: '正在识别人脸…',
  faceRefused: '你未同意刷脸支付，我们没有采集任何人脸信息。请使用银行卡支付。',
  locationRefused: '你未同意使用精确位置。请填写配送地址。',
  locationUnavailable: '无法获取你的位置。请填写配送地址。',
  consentPending: '正在记录你的同意…',
  orderPlaced: '谢谢！订单 {id} 已确认。',
  orderTitle: '订单 {id}',
  orderPaidWith: '支付方式：{method}',
  orderDeliverTo: '配送至：{place}',
  preciseLocation: '你的精确位置（{lat}, {lon}）',
  continueShopping: '继续购物',
  newsletterTitle: '订阅通讯',
  newsletterText: '新茶上市与茶器上新，每月最多两封。需要你同意接收营销邮件。',
  email: '邮箱',
  subscribe: '订阅',
  subscribed: '订阅成功。撤回同意即可随时退订。',
  newsletterNeedsConsent: '只有在你同意后我们才能发送营销邮件。请在隐私设置中允许"营销邮件"，然后重新订阅。',
  privacySettings: '隐私设置',
  privacyNotice: '隐私政策',
  signInTitle: '登录',
  signInText:
    '演示账号（无需密码）：登录后，本浏览器上的同意记录会关联到你的账号，你在其他设备上的选择也会同步。',
  signInAs: '以 {name} 身份登录',
  notFound: '页面不存在。',
  backHome: '返回商店',
  noticeController: '我们是谁',
  noticePurposes: '我们如何使用你的个人信息',
  noticeBasis: '处理依据',
  noticeCategories: '个人信息',
  noticeRetention: '保存期限',
  noticeRecipients: '提供给',
  noticeTransfer: '向境外提供给',
  noticeSeparate: '需要时单独征得你的同意',
  noticeVersion: '政策版本 {version}',
  basisConsent: '你的同意',
  basisContract: '履行订单所必需',
  basisLegal: '法定义务',
  sensitive: '敏感',
  footerDemo: 'Assent 演示商店：不会真正售出商品，也不会发送邮件。',
  operatedBy: '运营者：{controller}',
  years: '{n} 年',
  year: '1 年',
  months: '{n} 个月',
  month: '1 个月',
  days: '{n} 天',
  day: '1 天',
};

const MESSAGES: Record<Locale, Record<MessageKey, string>> = { en, 'zh-CN': zh };

/** A message with `{name}` placeholders filled in (plain text; the HTML layer escapes it). */
export function t(locale: Locale, key: MessageKey, params: Record<string, string | number> = {}): string {
  return MESSAGES[locale][key].replace(/\{(\w+)\}/g, (m, name: string) =>
    name in params ? String(params[name]) : m,
  );
}

/** The shopper's choice (cookie) first, then Accept-Language, then Chinese: the shop's home market. */
export function negotiateLocale(cookie: string | undefined, acceptLanguage: string | undefined): Locale {
  if (cookie === 'en' || cookie === 'zh-CN') return cookie;
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.find((x) => x.trim().startsWith('q='));
      return { tag: tag.toLowerCase(), q: q ? Number(q.trim().slice(2)) || 0 : 1 };
    })
    .filter((x) => x.tag && x.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const { tag } of ranked) {
    if (tag.startsWith('zh')) return 'zh-CN';
    if (tag.startsWith('en')) return 'en';
  }
  return 'zh-CN';
}

/** An ISO 8601 period such as `P13M` or `P1Y6M` in words; anything else is shown as written. */
export function formatPeriod(locale: Locale, period: string): string {
  const m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?$/.exec(period);
  if (!m || period === 'P') return period;
  const parts: string[] = [];
  const units: [string | undefined, MessageKey, MessageKey][] = [
    [m[1], 'year', 'years'],
    [m[2], 'month', 'months'],
    [m[3], 'day', 'days'],
  ];
  for (const [n, one, many] of units) if (n) parts.push(n === '1' ? t(locale, one) : t(locale, many, { n }));
  return parts.join(locale === 'en' ? ' ' : '');
}

/** Texts the browser script needs, for the page's locale only. */
export function clientMessages(locale: Locale): Record<string, string> {
  const keys: MessageKey[] = [
    'recLoading',
    'recGeneric',
    'recPersonal',
    'addToCart',
    'faceScanning',
    'faceRefused',
    'locationRefused',
    'locationUnavailable',
    'consentPending',
    'subscribed',
    'newsletterNeedsConsent',
  ];
  return Object.fromEntries(keys.map((k) => [k, t(locale, k)]));
}
