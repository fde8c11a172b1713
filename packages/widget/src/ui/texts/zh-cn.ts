import type { UiTexts } from './en.js';

/**
 * The widget's own Simplified Chinese strings (简体中文界面文字), complete: the same keys as `en`.
 *
 * @example
 * ```ts
 * zhCN.rejectAll // '全部拒绝'
 * ```
 */
export const zhCN: UiTexts = {
  title: '您的隐私选择',
  summary:
    '除履行订单所必需的处理外，我们在使用您的个人信息前会征得您的同意。在您作出选择之前，任何用途都不会开启；您可以随时更改决定。',
  notice: '阅读完整的隐私政策',
  acceptAll: '全部接受',
  rejectAll: '全部拒绝',
  customize: '自定义',
  close: '关闭',
  closeBanner: '关闭，暂不选择',
  changed: '我们变更了以下用途对您个人信息的处理方式：{purposes}。请重新作出选择。',
  expired: '您之前的选择已过期，请重新选择。',
  gpc: '您的浏览器发送了全球隐私控制（GPC）信号，我们已予以尊重。',
  preferencesTitle: '隐私偏好设置',
  preferencesIntro:
    '请逐项选择。每项用途在您开启前均为关闭状态；拒绝其中一项不会影响其他用途，也不影响您使用本店。',
  save: '保存我的选择',
  saved: '您的选择已保存。',
  withdrawAll: '撤回全部同意',
  withdrawn: '已撤回全部同意。',
  alwaysActive: '始终开启',
  contractReason: '为提供您所要求的服务所必需，不以同意为前提。',
  legalReason: '为履行法定义务所必需，不以同意为前提。',
  categories: '使用的个人信息',
  sensitive: '敏感',
  retention: '保存期限',
  recipients: '提供给',
  transfer: '向境外提供给',
  publicly: '公开披露',
  yes: '是',
  basis: '处理依据',
  'basis.consent': '您的同意',
  'basis.contract': '履行合同所必需',
  'basis.legal-obligation': '履行法定义务所必需',
  separateTitle: '需要您单独同意的用途',
  separateIntro: '我们会在需要时逐项单独征求您的同意。“全部接受”不会开启这些用途。',
  'status.given': '已同意',
  'status.refused': '已拒绝',
  'status.withdrawn': '已撤回',
  'status.expired': '已过期',
  'status.none': '未同意',
  withdraw: '撤回',
  review: '查看并决定',
  history: '您在本设备上的决定',
  historyEmpty: '本设备上尚无决定记录。',
  download: '下载我的记录',
  receipt: '已由台账记录，回执编号 {seq}',
  dialogTitle: '单独同意：{purpose}',
  askTitle: '征求您的同意：{purpose}',
  necessity: '必要性',
  impact: '对您的影响',
  agree: '我同意',
  refuse: '我不同意',
  refuseNote: '如您不同意，仍可继续使用本店；如有其他方式，我们会为您提供。',
  settings: '隐私设置',
};
