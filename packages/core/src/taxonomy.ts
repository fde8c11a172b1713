import type { CategoryKind, DataCategory, Grade } from './config/types.js';
import { gradeOf, isSensitiveKind } from './lib/grade.js';

/** One kind of personal data in the built-in taxonomy. */
export interface TaxonomyEntry {
  kind: CategoryKind;
  label: { en: string; 'zh-CN': string };
  examples: { en: string; 'zh-CN': string };
  /** The grade of the kind itself; a config may raise `general`, never lower `sensitive`. */
  grade: Grade;
  /** For sensitive kinds: the provision that makes them sensitive. */
  reference?: string;
}

const e = (
  kind: CategoryKind,
  en: string,
  zh: string,
  examplesEn: string,
  examplesZh: string,
  reference?: string,
): TaxonomyEntry => ({
  kind,
  label: { en, 'zh-CN': zh },
  examples: { en: examplesEn, 'zh-CN': examplesZh },
  grade: isSensitiveKind(kind) ? 'sensitive' : 'general',
  ...(reference ? { reference } : {}),
});

/**
 * The built-in taxonomy of personal data kinds (分类), each with its grade (分级). Sensitive kinds
 * follow PIPL Art. 28 (biometrics, religious belief, specific identity, medical health, financial
 * accounts, whereabouts, minors under 14), the examples of GB/T 35273-2020 Annex B (identity
 * documents, sexual orientation, criminal records) and GDPR Arts. 9-10. GB/T 35273-2020 Annex B
 * also lists browsing and transaction records among its examples; they are `general` here because
 * a store cannot run without them, and a config should raise them to `sensitive` where the context
 * makes them so (a pharmacy's purchase history is health data).
 *
 * @example
 * ```ts
 * TAXONOMY.find((t) => t.kind === 'biometric')?.label['zh-CN'] // '生物识别信息'
 * ```
 */
// Built by calls, so marked pure: bundlers must drop it from the loader, which never reads it.
export const TAXONOMY: readonly TaxonomyEntry[] = /* @__PURE__ */ (() => [
  e('identity', 'Identity', '基本身份信息', 'name, gender, date of birth', '姓名、性别、出生日期'),
  e('contact', 'Contact details', '联系方式', 'mobile number, e-mail address', '手机号码、电子邮件地址'),
  e('address', 'Postal address', '通讯地址', 'delivery and billing address', '收货地址、账单地址'),
  e(
    'account',
    'Account',
    '账户信息',
    'user name, membership level, login history',
    '用户名、会员等级、登录记录',
  ),
  e(
    'payment',
    'Payment details',
    '支付信息',
    'payment method, transaction reference',
    '支付方式、交易流水号',
  ),
  e('purchase-history', 'Purchase history', '购买记录', 'orders, returns, baskets', '订单、退货、购物车'),
  e(
    'browsing',
    'Browsing and interaction',
    '浏览与互动记录',
    'pages viewed, clicks, searches',
    '浏览页面、点击、搜索',
  ),
  e(
    'device',
    'Device and network identifiers',
    '设备与网络标识',
    'cookie ids, advertising ids, IP address',
    'Cookie 标识、广告标识、IP 地址',
  ),
  e(
    'approximate-location',
    'Approximate location',
    '粗略位置',
    'city derived from the IP address',
    '依据 IP 地址推断的城市',
  ),
  e(
    'preferences',
    'Preferences and inferred interests',
    '偏好与兴趣画像',
    'favourite brands, interest segments',
    '喜爱品牌、兴趣标签',
  ),
  e(
    'communications',
    'Communications with the store',
    '与商家的沟通记录',
    'customer-service chats, reviews',
    '客服对话、商品评价',
  ),
  e(
    'precise-location',
    'Precise location and whereabouts',
    '精准定位与行踪轨迹',
    'GPS position, movement',
    'GPS 位置、行动轨迹',
    'PIPL Art. 28',
  ),
  e(
    'biometric',
    'Biometric data',
    '生物识别信息',
    'face images and templates, fingerprints, voiceprints',
    '人脸图像与特征、指纹、声纹',
    'PIPL Art. 28',
  ),
  e(
    'health',
    'Medical and health data',
    '医疗健康信息',
    'prescriptions, conditions, fitness data',
    '处方、病情、健康数据',
    'PIPL Art. 28',
  ),
  e(
    'financial-account',
    'Financial account data',
    '金融账户信息',
    'bank card number, payment account, credit records',
    '银行卡号、支付账户、信用记录',
    'PIPL Art. 28',
  ),
  e(
    'religious-belief',
    'Religious belief',
    '宗教信仰',
    'faith, religious dietary needs',
    '信仰、宗教饮食需求',
    'PIPL Art. 28',
  ),
  e(
    'specific-identity',
    'Specific identity',
    '特定身份信息',
    'disability, membership of a protected group',
    '残障身份、特殊群体身份',
    'PIPL Art. 28',
  ),
  e(
    'government-id',
    'Identity documents',
    '身份证件信息',
    'resident ID card, passport number',
    '居民身份证、护照号码',
    'GB/T 35273-2020 Annex B',
  ),
  e(
    'minor',
    'Data of children under 14',
    '不满十四周岁未成年人的个人信息',
    "a child's name, age, photos",
    '儿童姓名、年龄、照片',
    'PIPL Arts. 28, 31',
  ),
  e(
    'sexual-orientation',
    'Sexual orientation',
    '性取向',
    'inferred or declared orientation',
    '推断或自述的性取向',
    'GB/T 35273-2020 Annex B; GDPR Art. 9',
  ),
  e(
    'criminal-record',
    'Criminal records',
    '违法犯罪记录',
    'convictions, offences',
    '定罪、违法记录',
    'GB/T 35273-2020 Annex B; GDPR Art. 10',
  ),
  e('other', 'Other', '其他', 'anything not listed above', '以上未列出的信息'),
])();

/**
 * Every taxonomy kind, in {@link TAXONOMY} order.
 *
 * @example
 * ```ts
 * const sensitiveKinds = CATEGORY_KINDS.filter((kind) => classifyCategory({ kind }).locked)
 * ```
 */
export const CATEGORY_KINDS: readonly CategoryKind[] = /* @__PURE__ */ TAXONOMY.map((t) => t.kind);

/** A config's data category with its taxonomy entry and effective grade. */
export interface Classification {
  kind: CategoryKind;
  grade: Grade;
  /** `true` when the kind is sensitive by law, so no config can grade it `general`. */
  locked: boolean;
  /** The config asked for `general` on a locked kind; the request was overruled. */
  overruled: boolean;
  entry: TaxonomyEntry;
}

/**
 * Classify a data category against the taxonomy and grade it. Sensitive kinds stay sensitive
 * whatever the config says; a general kind is raised when the config says `sensitive`.
 *
 * @example
 * ```ts
 * classifyCategory({ id: 'face', kind: 'biometric', grade: 'general', texts: {} })
 * // { kind: 'biometric', grade: 'sensitive', locked: true, overruled: true, entry: {...} }
 * ```
 */
export function classifyCategory(category: Pick<DataCategory, 'kind' | 'grade'>): Classification {
  const entry = TAXONOMY.find((t) => t.kind === category.kind);
  if (!entry) throw new TypeError(`assent: unknown data category kind "${category.kind}"`);
  const locked = entry.grade === 'sensitive';
  return {
    kind: entry.kind,
    grade: gradeOf(category),
    locked,
    overruled: locked && category.grade === 'general',
    entry,
  };
}
