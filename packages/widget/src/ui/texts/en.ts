/**
 * The widget's own English strings. Purpose names, descriptions and the controller's summary come
 * from the retailer's config; these are the labels around them. `{name}`-style placeholders are
 * filled in as plain text, never as markup.
 *
 * @example
 * ```ts
 * en.acceptAll // 'Accept all'
 * ```
 */
export const en = {
  title: 'Your privacy choices',
  summary:
    'We ask for your consent before using your data for anything beyond what your orders need. Nothing is switched on until you choose, and you can change your mind at any time.',
  notice: 'Read the full privacy notice',
  acceptAll: 'Accept all',
  rejectAll: 'Reject all',
  customize: 'Customize',
  close: 'Close',
  closeBanner: 'Close without choosing',
  changed: 'We changed how we use your data for: {purposes}. Please choose again for these.',
  expired: 'Your consent to {purposes} has expired. Please choose again.',
  gpc: 'Your browser sent a Global Privacy Control signal; we honoured it.',
  preferencesTitle: 'Privacy preferences',
  preferencesIntro:
    'Choose purpose by purpose. Each one is off until you switch it on; refusing one never affects the others or your use of the store.',
  save: 'Save my choices',
  saved: 'Your choices were saved.',
  withdrawAll: 'Withdraw all consent',
  withdrawn: 'All consent withdrawn.',
  alwaysActive: 'Always active',
  contractReason: 'Needed to provide what you asked for, so it does not depend on consent.',
  legalReason: 'Required by law, so it does not depend on consent.',
  categories: 'Data used',
  sensitive: 'Sensitive',
  retention: 'Kept for',
  recipients: 'Shared with',
  transfer: 'Transferred abroad to',
  publicly: 'Made public',
  yes: 'Yes',
  basis: 'Legal basis',
  'basis.consent': 'Your consent',
  'basis.contract': 'Performance of a contract',
  'basis.legal-obligation': 'Legal obligation',
  separateTitle: 'Uses that need your separate consent',
  separateIntro: 'We ask for these one at a time, when they are needed. "Accept all" never switches them on.',
  'status.given': 'Given',
  'status.refused': 'Refused',
  'status.withdrawn': 'Withdrawn',
  'status.expired': 'Expired',
  'status.none': 'Not given',
  withdraw: 'Withdraw',
  review: 'Review and decide',
  history: 'Your decisions on this device',
  historyEmpty: 'No decisions recorded on this device yet.',
  download: 'Download my records',
  receipt: 'recorded by the ledger, receipt no. {seq}',
  dialogTitle: 'Separate consent: {purpose}',
  askTitle: 'Your consent: {purpose}',
  necessity: 'Why it is needed',
  impact: 'What it means for you',
  agree: 'I agree',
  refuse: 'I do not agree',
  refuseNote: 'If you do not agree, you can still use the store; we will offer another way where one exists.',
  settings: 'Privacy settings',
  load: 'Load this content',
  reask: 'Some time ago you declined {purposes}. You can choose again.',
} as const;

/** Keys of the widget's own strings; a config may override any of them per locale. */
export type TextKey = keyof typeof en;

/** A complete set of widget strings for one locale. */
export type UiTexts = Record<TextKey, string>;
