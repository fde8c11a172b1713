// A storefront's Assent config for the export tests (valid for validateConfig of @assent/core).

/** A storefront config: one processor purpose, one sensitive third-party one, one transfer abroad. */
export const SITE = {
  controller: { name: 'Shop Ltd', contact: 'privacy@shop.example', address: '1 High St, London' },
  notice: { version: '2026-01', url: 'https://shop.example/privacy' },
  locales: ['en'],
  categories: [
    { id: 'browsing', kind: 'browsing', texts: { en: { label: 'Browsing' } } },
    { id: 'face', kind: 'biometric', texts: { en: { label: 'Face' } } },
    { id: 'payment', kind: 'payment', texts: { en: { label: 'Payment' } } },
  ],
  purposes: [
    {
      id: 'analytics',
      basis: 'consent',
      categories: ['browsing'],
      recipients: [{ name: 'Stats Co', role: 'processor' }],
      texts: { en: { name: 'Analytics' } },
    },
    {
      id: 'face-payment',
      basis: 'consent',
      categories: ['face', 'payment'],
      recipients: [{ name: 'Pay Co', role: 'third-party' }],
      texts: { en: { name: 'Face payment', necessity: 'Pay by face', impact: 'Biometric data' } },
    },
    {
      id: 'abroad',
      basis: 'consent',
      categories: ['payment'],
      transfer: { country: 'SG', recipient: 'Group Pte' },
      texts: { en: { name: 'Processing abroad' } },
    },
  ],
};
