import { en, type UiTexts } from './en.js';

/**
 * The widget's own Simplified Chinese strings (简体中文界面文字), complete: the same keys as `en`.
 *
 * @example
 * ```ts
 * zhCN.rejectAll // '全部拒绝'
 * ```
 */
export const zhCN: UiTexts = /* @__PURE__ */ inOrderOfEn(
  // One text per key of `en`, in its order (the comment names the key): the keys are then spelled
  // once in the bundle, not twice (0.12 kB gzip less for every shopper). The tests check the count
  // and that every placeholder stays with its key.
  [
    '您的隐私选择', // title
    '除履行订单所必需的处理外，我们在使用您的个人信息前会征得您的同意。在您作出选择之前，任何用途都不会开启；您可以随时更改决定。', // summary
    '阅读完整的隐私政策', // notice
    '全部接受', // acceptAll
    '全部拒绝', // rejectAll
    '自定义', // customize
    '关闭', // close
    '关闭，暂不选择', // closeBanner
    '我们变更了以下用途对您个人信息的处理方式：{purposes}。请重新作出选择。', // changed
    '您对{purposes}的同意已过期，请重新选择。', // expired
    '您的浏览器发送了全球隐私控制（GPC）信号，我们已予以尊重。', // gpc
    '隐私偏好设置', // preferencesTitle
    '请逐项选择。每项用途在您开启前均为关闭状态；拒绝其中一项不会影响其他用途，也不影响您使用本店。', // preferencesIntro
    '保存我的选择', // save
    '您的选择已保存。', // saved
    '撤回全部同意', // withdrawAll
    '已撤回全部同意。', // withdrawn
    '始终开启', // alwaysActive
    '为提供您所要求的服务所必需，不以同意为前提。', // contractReason
    '为履行法定义务所必需，不以同意为前提。', // legalReason
    '使用的个人信息', // categories
    '敏感', // sensitive
    '保存期限', // retention
    '提供给', // recipients
    '向境外提供给', // transfer
    '公开披露', // publicly
    '是', // yes
    '处理依据', // basis
    '您的同意', // basis.consent
    '履行合同所必需', // basis.contract
    '履行法定义务所必需', // basis.legal-obligation
    '需要您单独同意的用途', // separateTitle
    '我们会在需要时逐项单独征求您的同意。“全部接受”不会开启这些用途。', // separateIntro
    '已同意', // status.given
    '已拒绝', // status.refused
    '已撤回', // status.withdrawn
    '已过期', // status.expired
    '未同意', // status.none
    '撤回', // withdraw
    '查看并决定', // review
    '您在本设备上的决定', // history
    '本设备上尚无决定记录。', // historyEmpty
    '下载我的记录', // download
    '已由台账记录，回执编号 {seq}', // receipt
    '单独同意：{purpose}', // dialogTitle
    '征求您的同意：{purpose}', // askTitle
    '必要性', // necessity
    '对您的影响', // impact
    '我同意', // agree
    '我不同意', // refuse
    '如您不同意，仍可继续使用本店；如有其他方式，我们会为您提供。', // refuseNote
    '隐私设置', // settings
    '加载此内容', // load
    '您此前拒绝了{purposes}，现在可以重新选择。', // reask
  ],
);

function inOrderOfEn(texts: string[]): UiTexts {
  return Object.fromEntries(Object.keys(en).map((k, i) => [k, texts[i]])) as UiTexts;
}
