import { afterEach, describe, expect, it } from 'vitest';
import { arabicConfig, hostileConfig, PAYLOAD } from './fixtures/config.js';
import { formatDuration } from '../src/ui/lib/format.js';
import { cleanup, flush, setup } from './helpers.js';

afterEach(cleanup);

describe('languages', () => {
  it('speaks zh-CN when the page is in Chinese', async () => {
    document.documentElement.lang = 'zh-CN';
    const t = setup();
    t.ui.showBanner();
    await flush();
    expect(t.ui.locale).toBe('zh-CN');
    expect(t.$('.r')!.getAttribute('lang')).toBe('zh-CN');
    expect(t.$$('.banner .btn').map((b) => b.textContent)).toEqual(['全部接受', '全部拒绝', '自定义']);
    t.ui.openPreferences();
    await flush();
    expect(t.$('[data-purpose="face-payment"]')!.textContent).toContain('人脸图像（敏感）');
    expect(t.$('[data-purpose="analytics"]')!.textContent).toContain('13个月');
  });

  it('formats retention in every unit the config accepts, joined as the language joins them', () => {
    expect(formatDuration('PT30M', 'en')).toBe('30 minutes');
    expect(formatDuration('PT90S', 'en')).toBe('90 seconds');
    expect(formatDuration('P1Y6M', 'en')).toBe('1 year, 6 months');
    expect(formatDuration('P1Y6M', 'zh-CN')).toBe('1年6个月');
    expect(formatDuration('P1DT12H', 'zh-CN')).toBe('1天12小时');
    expect(formatDuration('PT', 'en')).toBe('PT');
    expect(formatDuration('P1X', 'en')).toBe('P1X');
  });

  it('takes an explicit locale over the page language, and matches by language', async () => {
    document.documentElement.lang = 'en';
    expect(setup(undefined, { locale: 'zh-Hans-CN' }).ui.locale).toBe('zh-CN');
    cleanup();
    expect(setup(undefined, { locale: 'fr' }).ui.locale).toBe('en');
  });

  it('lays out right to left for Arabic and uses the config texts', async () => {
    document.documentElement.lang = 'ar';
    const t = setup(arabicConfig());
    t.ui.showBanner();
    await flush();
    expect(t.ui.locale).toBe('ar');
    const r = t.$('.r')!;
    expect(r.getAttribute('dir')).toBe('rtl');
    expect(r.getAttribute('lang')).toBe('ar');
    expect(t.$$('.banner .btn').map((b) => b.textContent)).toEqual(['قبول الكل', 'رفض الكل', 'تخصيص']);
    // A key the config leaves out falls back to English rather than showing a key name.
    expect(t.$('.banner .x')!.getAttribute('aria-label')).toBe('Close without choosing');
  });

  it('zh-CN and en define every widget text', async () => {
    const { en, zhCN } = await import('@assent/widget/ui');
    expect(Object.keys(zhCN).sort()).toEqual(Object.keys(en).sort());
    for (const v of [...Object.values(en), ...Object.values(zhCN)])
      expect(v.trim().length).toBeGreaterThan(0);
  });

  it('zh-CN texts stay with their keys (zh-cn.ts lists them in the order of en)', async () => {
    const { en, zhCN } = await import('@assent/widget/ui');
    const placeholders = (v: string) => v.match(/\{\w+\}/g)?.sort() ?? [];
    for (const key of Object.keys(en) as (keyof typeof en)[])
      expect([key, placeholders(zhCN[key])]).toEqual([key, placeholders(en[key])]);
    // Keys whose wording an off-by-one would swap.
    expect([zhCN.title, zhCN.acceptAll, zhCN.rejectAll, zhCN.customize]).toEqual([
      '您的隐私选择',
      '全部接受',
      '全部拒绝',
      '自定义',
    ]);
    expect([zhCN['status.given'], zhCN['status.none'], zhCN.agree, zhCN.refuse, zhCN.settings]).toEqual([
      '已同意',
      '未同意',
      '我同意',
      '我不同意',
      '隐私设置',
    ]);
  });
});

describe('config text is text', () => {
  it('shows markup and script from the config and translations literally', async () => {
    const w = window as unknown as { __pwned?: number };
    const t = setup(hostileConfig());
    t.ui.showBanner();
    t.ui.openPreferences();
    await flush();
    expect(t.root.querySelector('img, script')).toBeNull();
    expect(t.$('.banner .ctl')!.textContent).toBe(`Evil ${PAYLOAD}`);
    expect(t.$('.banner [data-action="accept-all"]')!.textContent).toBe(`OK ${PAYLOAD}`);
    expect(t.$('[data-purpose="analytics"]')!.textContent).toContain(`Stats ${PAYLOAD}`);
    expect(w.__pwned).toBeUndefined();
  });
});

describe('mountUi arguments', () => {
  it('throws TypeError naming the missing option', async () => {
    const { mountUi } = await import('@assent/widget/ui');
    expect(() => mountUi({} as never)).toThrow(/options.consent/);
  });
});
