import type { Locale } from '../../domain/survey-definitions.ts';

/** Every word the portal shows, in each of its languages. */
export const TEXT = {
  portal: { 'zh-CN': '服务质量报告门户', en: 'Service quality reports' },
  skip: { 'zh-CN': '跳到主要内容', en: 'Skip to main content' },
  language: { 'zh-CN': 'English', en: '中文' },
  navReports: { 'zh-CN': '报告', en: 'Reports' },
  navAdmin: { 'zh-CN': '管理', en: 'Admin' },
  navAudit: { 'zh-CN': '下载审计', en: 'Download audit' },
  signIn: { 'zh-CN': '登录', en: 'Sign in' },
  signOut: { 'zh-CN': '退出登录', en: 'Sign out' },
  signedInAs: { 'zh-CN': '当前用户', en: 'Signed in as' },
  welcomeTitle: { 'zh-CN': '服务质量报告门户', en: 'Service quality reports' },
  welcomeBody: {
    'zh-CN':
      '监管机构、第三方评估机构和运营商管理员在此查阅、下载并核验已签名的服务质量报告。请使用您的账号和身份验证器登录。',
    en: 'Regulators, independent assessors and the operator’s admins read, download and check the signed service-quality reports here. Sign in with your account and your authenticator app.',
  },
  signedOutTitle: { 'zh-CN': '您已退出登录', en: 'You have signed out' },
  signedOutBody: {
    'zh-CN': '您在本门户和账号服务中的会话均已结束。',
    en: 'Your session has ended here and at the sign-in service.',
  },
  reportsTitle: { 'zh-CN': '报告', en: 'Reports' },
  filter: { 'zh-CN': '筛选', en: 'Filter' },
  profile: { 'zh-CN': '报告模板', en: 'Profile' },
  period: { 'zh-CN': '统计期', en: 'Period' },
  anyProfile: { 'zh-CN': '全部模板', en: 'Any profile' },
  periodHint: { 'zh-CN': '例如 2026-10、2026-Q3、2026', en: 'e.g. 2026-10, 2026-Q3, 2026' },
  periodInvalid: {
    'zh-CN': '这不是统计期：请写月份、季度或年份，例如 2026-10、2026-Q3、2026。',
    en: 'That is not a period: write a month, a quarter or a year, e.g. 2026-10, 2026-Q3, 2026.',
  },
  generatedAt: { 'zh-CN': '生成时间', en: 'Built at' },
  codeVersion: { 'zh-CN': '代码版本', en: 'Code version' },
  reportId: { 'zh-CN': '报告编号', en: 'Report id' },
  noReports: { 'zh-CN': '没有符合条件的报告。', en: 'No report matches.' },
  filesTitle: { 'zh-CN': '文件', en: 'Files' },
  file: { 'zh-CN': '文件', en: 'File' },
  size: { 'zh-CN': '大小', en: 'Size' },
  download: { 'zh-CN': '下载', en: 'Download' },
  openHtml: { 'zh-CN': '在浏览器中打开报告', en: 'Open the report in the browser' },
  linkNote: {
    'zh-CN': '每次下载都会记入审计日志；下载链接 5 分钟内有效。',
    en: 'Every download is written to the audit log; download links last five minutes.',
  },
  checkTitle: { 'zh-CN': '核验此报告', en: 'Check this report' },
  checkBody: {
    'zh-CN':
      '清单 manifest.json 列出每个文件的 SHA-256；manifest.sig 是运营商密钥对清单的签名。下载签名公钥、清单、签名和报告文件后，用 openssl 核验：',
    en: 'manifest.json lists every file’s SHA-256; manifest.sig is the operator key’s signature of it. Download the public key, the manifest, its signature and the files, then check them with openssl:',
  },
  publicKey: { 'zh-CN': '下载签名公钥 (PEM)', en: 'Download the signing public key (PEM)' },
  manifestFile: { 'zh-CN': '下载清单 manifest.json', en: 'Download the manifest (manifest.json)' },
  manifestSignature: {
    'zh-CN': '下载签名 manifest.sig',
    en: 'Download its signature (manifest.sig)',
  },
  adminTitle: { 'zh-CN': '管理', en: 'Admin' },
  runTitle: { 'zh-CN': '生成报告', en: 'Run a report' },
  runSubmit: { 'zh-CN': '开始生成', en: 'Run it' },
  runsTitle: { 'zh-CN': '最近的报告任务', en: 'Recent report runs' },
  requestedAt: { 'zh-CN': '请求时间', en: 'Requested' },
  requestedBy: { 'zh-CN': '请求人', en: 'by whom' },
  schedule: { 'zh-CN': '定时任务', en: 'schedule' },
  outcome: { 'zh-CN': '结果', en: 'Outcome' },
  published: { 'zh-CN': '已发布', en: 'Published' },
  pending: { 'zh-CN': '生成中', en: 'Not yet' },
  failedTimes: { 'zh-CN': '次失败', en: 'failed builds' },
  noRuns: { 'zh-CN': '还没有报告任务。', en: 'No report runs yet.' },
  subscribersTitle: { 'zh-CN': '上传用户数', en: 'Upload subscriber counts' },
  subscribersHint: {
    'zh-CN': 'CSV 文件，表头为 region,service,subscribers；也可以粘贴到下面的文本框。',
    en: 'A CSV file with the header region,service,subscribers, or the same pasted below.',
  },
  csvFile: { 'zh-CN': 'CSV 文件', en: 'CSV file' },
  csvText: { 'zh-CN': '或粘贴 CSV', en: 'Or paste the CSV' },
  upload: { 'zh-CN': '上传', en: 'Upload' },
  peopleTitle: { 'zh-CN': '人员与权限', en: 'People and access' },
  email: { 'zh-CN': '电子邮箱', en: 'E-mail' },
  group: { 'zh-CN': '用户组', en: 'Group' },
  status: { 'zh-CN': '状态', en: 'Status' },
  invite: { 'zh-CN': '邀请', en: 'Invite' },
  inviteHint: {
    'zh-CN': '账号服务会把临时密码发送到该邮箱；首次登录时对方设置新密码和身份验证器。',
    en: 'The sign-in service mails a temporary password; at first sign-in the person sets a new one and an authenticator.',
  },
  remove: { 'zh-CN': '移出', en: 'Remove' },
  nobody: { 'zh-CN': '暂无成员', en: 'Nobody yet' },
  auditTitle: { 'zh-CN': '下载审计日志', en: 'Download audit log' },
  auditHint: {
    'zh-CN': '最近 30 天的每一次下载（最多 500 条），最新的在前。',
    en: 'Every download of the last 30 days (at most 500), newest first.',
  },
  when: { 'zh-CN': '时间', en: 'When' },
  who: { 'zh-CN': '用户', en: 'Who' },
  what: { 'zh-CN': '内容', en: 'What' },
  formerMember: { 'zh-CN': '（已不在任何用户组）', en: '(no longer in a group)' },
  noDownloads: { 'zh-CN': '没有下载记录。', en: 'No downloads.' },
  noticeRun: { 'zh-CN': '报告任务已排队：', en: 'The report run is queued:' },
  noticeSubscribers: { 'zh-CN': '用户数已保存：', en: 'Subscriber counts stored:' },
  noticeInvited: { 'zh-CN': '已邀请：', en: 'Invited:' },
  noticeRemoved: { 'zh-CN': '已移出：', en: 'Removed:' },
  errorsTitle: { 'zh-CN': '请检查以下问题：', en: 'Please check the following:' },
  errorTitle: { 'zh-CN': '出错了', en: 'Something went wrong' },
  forbiddenTitle: { 'zh-CN': '无权访问', en: 'Not allowed' },
  forbiddenBody: {
    'zh-CN': '您的账号所在的用户组不能进行此操作。',
    en: 'Your account’s groups do not allow this.',
  },
  notFoundTitle: { 'zh-CN': '未找到', en: 'Not found' },
  notFoundBody: { 'zh-CN': '没有这个页面或报告。', en: 'There is no such page or report.' },
  invalidTitle: { 'zh-CN': '无法处理该请求', en: 'The request could not be used' },
  unavailableTitle: { 'zh-CN': '请稍后再试', en: 'Please try again shortly' },
  signInFailedTitle: { 'zh-CN': '登录未完成', en: 'The sign-in did not finish' },
  signInFailedBody: {
    'zh-CN': '此登录已过期或已使用。请重新登录。',
    en: 'This sign-in has expired or was already used. Please sign in again.',
  },
  csrfTitle: { 'zh-CN': '表单已过期', en: 'This form has expired' },
  csrfBody: {
    'zh-CN': '请返回页面刷新后重新提交。',
    en: 'Please go back, reload the page and send it again.',
  },
  internalBody: {
    'zh-CN': '请求未能完成，请稍后重试。',
    en: 'The request could not be completed. Please try again later.',
  },
  problemType: { 'zh-CN': '问题类型', en: 'Problem type' },
  backToReports: { 'zh-CN': '返回报告列表', en: 'Back to the reports' },
  restated: { 'zh-CN': '已更正', en: 'restated' },
  edition: { 'zh-CN': '版次', en: 'Edition' },
  editionsTitle: { 'zh-CN': '各版次', en: 'Editions' },
  editionCurrent: { 'zh-CN': '现行版', en: 'current' },
  editionSuperseded: { 'zh-CN': '已被取代', en: 'superseded' },
  supersededNotice: {
    'zh-CN': '此版已被更正版取代，数值以现行版为准：',
    en: 'A restatement superseded this edition; the current figures are in',
  },
  restatedNotice: {
    'zh-CN': '此版为更正版：report.html 的“更正说明”与 changes.json 列出改变的数值及原因。',
    en: 'This edition is a restatement: the "Restated" section of report.html and changes.json list the figures that changed and why.',
  },
} satisfies Record<string, Record<Locale, string>>;

export type TextKey = keyof typeof TEXT;

/** The words of one language. */
export const wordsFor = (locale: Locale) => (key: TextKey) => TEXT[key][locale];

/** The portal's language: a choice made in this browser session, else the browser's first. */
export function portalLocale(
  chosen: string | undefined,
  acceptLanguage: string | undefined,
): Locale {
  if (chosen === 'en' || chosen === 'zh-CN') return chosen;
  const first = (acceptLanguage ?? '')
    .split(',')
    .map((part) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.find((param) => param.trim().startsWith('q='));
      return { tag: tag.toLowerCase(), q: q ? Number(q.trim().slice(2)) : 1 };
    })
    .filter((entry) => entry.tag && entry.q > 0)
    .sort((a, b) => b.q - a.q)
    .find((entry) => entry.tag.startsWith('zh') || entry.tag.startsWith('en'));
  return first?.tag.startsWith('en') ? 'en' : 'zh-CN';
}
