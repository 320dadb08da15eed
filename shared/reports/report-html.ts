import { createHash } from 'node:crypto';
import type { BuiltIndicators, IndicatorResult } from '../indicators/build-indicators.ts';
import { isWholeOperator } from '../indicators/catalogue.ts';
import type { Profile } from '../indicators/profiles.ts';
import { ROUNDING_RULE } from '../indicators/statistics.ts';
import type { ReportMeta } from './report-files.ts';
import type { ChangeCause, FigureChange, ReportChanges } from './restatement.ts';

type Language = 'zh-CN' | 'en';

const NAMES: Record<string, Record<Language, string>> = {
  'survey.csat_pct': { 'zh-CN': '客户满意度（CSAT）', en: 'Customer satisfaction (CSAT)' },
  'survey.nps': { 'zh-CN': '净推荐值（NPS）', en: 'Net Promoter Score (NPS)' },
  'survey.response_rate_pct': { 'zh-CN': '问卷回复率', en: 'Survey response rate' },
  'survey.detractor_followup_within_48h_pct': {
    'zh-CN': '不满意客户 48 小时内回访率',
    en: 'Dissatisfied customers contacted within 48 hours',
  },
  'complaints.received': { 'zh-CN': '受理投诉量', en: 'Complaints received' },
  'complaints.per_million_subscribers': {
    'zh-CN': '百万用户申诉率',
    en: 'Complaints per million subscribers',
  },
  'complaints.per_100k_subscribers': {
    'zh-CN': '每十万用户投诉量',
    en: 'Complaints per 100,000 subscribers',
  },
  'complaints.regulator_per_million_subscribers': {
    'zh-CN': '经监管机构的百万用户申诉率',
    en: 'Complaints via the regulator per million subscribers',
  },
  'complaints.category_share_pct': { 'zh-CN': '投诉类别占比', en: 'Complaint share by category' },
  'complaints.resolution_hours_p50': {
    'zh-CN': '投诉处理时长中位数',
    en: 'Complaint resolution time, median',
  },
  'complaints.resolution_hours_p90': {
    'zh-CN': '投诉处理时长 90 分位',
    en: 'Complaint resolution time, 90th percentile',
  },
  'complaints.reopened_pct': { 'zh-CN': '投诉重开率', en: 'Complaints reopened' },
  'faults.reported': { 'zh-CN': '故障申告量', en: 'Faults reported' },
  'faults.per_100_lines': { 'zh-CN': '百线故障率', en: 'Faults per 100 lines' },
  'faults.repair_hours_p80': {
    'zh-CN': '故障修复时长 80 分位',
    en: 'Fault repair time, 80th percentile',
  },
  'faults.repair_hours_p95': {
    'zh-CN': '故障修复时长 95 分位',
    en: 'Fault repair time, 95th percentile',
  },
};

/** The indicator's name in a language, parameterised ids included. */
function nameOf(id: string, language: Language): string {
  const fixed = NAMES[id]?.[language];
  if (fixed) return fixed;
  const within = /^complaints\.resolved_within_(\d+)d_pct$/.exec(id)?.[1];
  if (within)
    return language === 'en'
      ? `Complaints resolved within ${within} days`
      : `${within} 天内投诉解决率`;
  const open = /^complaints\.open_beyond_(\d+)d$/.exec(id)?.[1];
  if (open)
    return language === 'en'
      ? `Complaints open beyond ${open} days`
      : `超过 ${open} 天未解决的投诉`;
  const repaired = /^faults\.repaired_within_(\d+)h_pct$/.exec(id)?.[1];
  if (repaired)
    return language === 'en'
      ? `Faults repaired within ${repaired} hours`
      : `${repaired} 小时内故障修复率`;
  return id;
}

const TEXT = {
  summary: { 'zh-CN': '全网指标', en: 'Whole operator' },
  indicator: { 'zh-CN': '指标', en: 'Indicator' },
  value: { 'zh-CN': '数值', en: 'Value' },
  target: { 'zh-CN': '目标', en: 'Target' },
  met: { 'zh-CN': '达标', en: 'Met' },
  notMet: { 'zh-CN': '未达标', en: 'Not met' },
  previous: { 'zh-CN': '上期', en: 'Previous period' },
  byRegion: { 'zh-CN': '分地区', en: 'By region' },
  ranking: { 'zh-CN': '地区排名', en: 'Regional ranking' },
  average: { 'zh-CN': '地区平均', en: 'Average of regions' },
  methodology: { 'zh-CN': '方法说明', en: 'Methodology' },
  suppressed: { 'zh-CN': '抑制说明', en: 'Suppression' },
  period: { 'zh-CN': '统计期', en: 'Period' },
  significant: { 'zh-CN': '变化显著', en: 'significant change' },
  trend: { 'zh-CN': '趋势', en: 'Trend' },
  restated: { 'zh-CN': '更正说明', en: 'Restated' },
  field: { 'zh-CN': '项目', en: 'Figure' },
  cell: { 'zh-CN': '范围', en: 'Cell' },
  was: { 'zh-CN': '原值', en: 'Was' },
  now: { 'zh-CN': '现值', en: 'Now' },
  because: { 'zh-CN': '原因', en: 'Because of' },
  trendNote: {
    'zh-CN':
      '往期数值取自各期已发布报告（同一期以最新一份为准）；上期无报告时取本报告的上期对比值。',
    en: 'Earlier periods show the values their newest published report gave; the previous period, when it has no report, the value this report compares against.',
  },
} as const;

/** One period of report.html's trend: whole-operator values by indicator id. */
export interface TrendPoint {
  period: string;
  values: Readonly<Record<string, number | null>>;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

const isRegionCell = (entry: IndicatorResult) =>
  entry.dimensions.region !== '*' &&
  Object.entries(entry.dimensions).every(([key, value]) => key === 'region' || value === '*');

function formatValue(entry: IndicatorResult): string {
  if (entry.value === null) return entry.suppressed ? '—' : '–';
  const unit = entry.unit === '%' ? ' %' : entry.unit === 'hours' ? ' h' : '';
  const ci = entry.ci95 ? ` [${entry.ci95[0]}, ${entry.ci95[1]}]` : '';
  const margin =
    entry.margin95 !== undefined && entry.margin95 !== null ? ` ± ${entry.margin95}` : '';
  return `${entry.value}${unit}${ci}${margin}`;
}

/** A horizontal bar chart of an indicator's region cells, with its target as a line. */
function barChart(entries: IndicatorResult[], target: number | undefined, title: string): string {
  const shown = entries.filter((entry) => entry.value !== null);
  if (shown.length === 0) return '';
  const max = Math.max(...shown.map((entry) => Math.abs(entry.value ?? 0)), target ?? 0, 1);
  const row = 22;
  const width = 560;
  const left = 90;
  const scale = (value: number) => ((width - left - 60) * Math.abs(value)) / max;
  const bars = shown
    .map((entry, index) => {
      const y = index * row + 4;
      const value = entry.value ?? 0;
      return `<text x="${left - 6}" y="${y + 14}" text-anchor="end">${escapeHtml(entry.dimensions.region)}</text><rect x="${left}" y="${y}" width="${scale(value).toFixed(1)}" height="${row - 6}" class="${entry.compliant === false ? 'miss' : 'bar'}"/><text x="${(left + scale(value) + 4).toFixed(1)}" y="${y + 14}">${value}</text>`;
    })
    .join('');
  const line =
    target === undefined
      ? ''
      : `<line x1="${(left + scale(target)).toFixed(1)}" x2="${(left + scale(target)).toFixed(1)}" y1="0" y2="${shown.length * row + 4}" class="target"/>`;
  return `<svg role="img" aria-label="${escapeHtml(title)}" viewBox="0 0 ${width} ${shown.length * row + 8}" width="100%">${bars}${line}</svg>`;
}

/** A line chart of an indicator's whole-operator value over periods, the target dashed. */
function lineChart(
  points: readonly { period: string; value: number | null }[],
  target: number | undefined,
  title: string,
): string {
  const known = points.filter((point) => point.value !== null);
  if (known.length < 2) return '';
  const values = [
    ...known.map((point) => point.value ?? 0),
    ...(target === undefined ? [] : [target]),
  ];
  const low = Math.min(...values, 0);
  const high = Math.max(...values, 1);
  const width = 560;
  const height = 160;
  const left = 40;
  const top = 16;
  const plot = height - top - 28;
  const x = (index: number) =>
    left + ((width - left - 30) * index) / Math.max(points.length - 1, 1);
  const y = (value: number) => top + plot - (plot * (value - low)) / (high - low || 1);
  const path = points
    .map((point, index) =>
      point.value === null ? null : `${x(index).toFixed(1)},${y(point.value).toFixed(1)}`,
    )
    .filter((point): point is string => point !== null)
    .join(' ');
  const marks = points
    .map((point, index) =>
      point.value === null
        ? `<text x="${x(index).toFixed(1)}" y="${height - 8}" text-anchor="middle">${escapeHtml(point.period)}</text>`
        : `<circle cx="${x(index).toFixed(1)}" cy="${y(point.value).toFixed(1)}" r="3" class="point"/><text x="${x(index).toFixed(1)}" y="${(y(point.value) - 6).toFixed(1)}" text-anchor="middle">${point.value}</text><text x="${x(index).toFixed(1)}" y="${height - 8}" text-anchor="middle">${escapeHtml(point.period)}</text>`,
    )
    .join('');
  const line =
    target === undefined
      ? ''
      : `<line x1="${left}" x2="${width - 20}" y1="${y(target).toFixed(1)}" y2="${y(target).toFixed(1)}" class="target"/>`;
  return `<svg role="img" aria-label="${escapeHtml(title)}" viewBox="0 0 ${width} ${height}" width="100%">${line}<polyline points="${path}" class="trend"/>${marks}</svg>`;
}

const FIELD_NAMES: Record<FigureChange['fields'][number], Record<Language, string>> = {
  value: { 'zh-CN': '数值', en: 'value' },
  ci95: { 'zh-CN': '95% 置信区间', en: '95% interval' },
  margin95: { 'zh-CN': '95% 误差范围', en: '95% margin' },
  suppressed: { 'zh-CN': '抑制', en: 'suppressed' },
  compliant: { 'zh-CN': '达标判定', en: 'target verdict' },
  previous: { 'zh-CN': '上期', en: 'previous period' },
  changeSignificant: { 'zh-CN': '变化显著', en: 'significant change' },
};

/** The late inputs behind a change, in words. */
function causeText(cause: ChangeCause, language: Language): string {
  const en = language === 'en';
  const parts: string[] = [];
  if (cause.lateResponses !== undefined)
    parts.push(
      en ? `${cause.lateResponses} late responses` : `迟到问卷回复 ${cause.lateResponses} 份`,
    );
  if (cause.lateInvitationAnswers !== undefined)
    parts.push(
      en
        ? `${cause.lateInvitationAnswers} invitations answered late`
        : `迟到回复邀请 ${cause.lateInvitationAnswers} 份`,
    );
  if (cause.followUpCasesChanged !== undefined)
    parts.push(
      en
        ? `${cause.followUpCasesChanged} follow-up cases new or contacted since`
        : `新增或新回访个案 ${cause.followUpCasesChanged} 个`,
    );
  if (cause.complaintsWithLateEvents !== undefined)
    parts.push(
      en
        ? `${cause.complaintsWithLateEvents} complaints with late events`
        : `有迟到事件的投诉 ${cause.complaintsWithLateEvents} 件`,
    );
  if (cause.newSubscriberCounts?.length)
    parts.push(
      en
        ? `new subscriber counts for ${cause.newSubscriberCounts.join(', ')}`
        : `${cause.newSubscriberCounts.join('、')} 用户数更新`,
    );
  return parts.join('; ');
}

/** The "Restated" section: which report this edition replaces, and every changed figure. */
function restatedSection(changes: ReportChanges | undefined, language: Language): string {
  if (!changes) return '';
  const t = (key: keyof typeof TEXT) => TEXT[key][language];
  const show = (value: unknown) =>
    value === null || value === undefined
      ? '–'
      : Array.isArray(value)
        ? `[${value.join(', ')}]`
        : String(value);
  const rows = changes.figures
    .flatMap((change) =>
      change.fields.map(
        (field) =>
          `<tr><th scope="row">${escapeHtml(nameOf(change.indicator, language))}</th><td>${escapeHtml(
            Object.entries(change.dimensions)
              .map(([key, value]) => `${key}=${value}`)
              .join(' '),
          )}</td><td>${FIELD_NAMES[field][language]}</td><td>${escapeHtml(show(change.old?.[field]))}</td><td>${escapeHtml(show(change.new?.[field]))}</td><td>${escapeHtml(causeText(change.because, language))}</td></tr>`,
      ),
    )
    .join('');
  const intro =
    language === 'en'
      ? `Edition ${changes.edition} of this period's report. It supersedes report ${changes.supersedes}, which stays published unchanged: data that arrived after it was published changed the figures below (${changes.figures.length} cells, ${changes.rankings.length} rankings).`
      : `本期报告第 ${changes.edition} 版，取代报告 ${changes.supersedes}（原报告保持发布、内容不变）：其发布后到达的数据改变了下列数值（${changes.figures.length} 个单元格，${changes.rankings.length} 个排名）。`;
  return `<section class="restated"><h2>${t('restated')}</h2><p>${escapeHtml(intro)}</p><table><thead><tr><th>${t('indicator')}</th><th>${t('cell')}</th><th>${t('field')}</th><th>${t('was')}</th><th>${t('now')}</th><th>${t('because')}</th></tr></thead><tbody>${rows}</tbody></table><p class="note">${CHANGES_NOTE[language]}</p></section>`;
}

const CHANGES_NOTE: Record<Language, string> = {
  'zh-CN': 'changes.json 列出全部变更及其输入计数。',
  en: 'changes.json lists every change and the input counts behind it.',
};

function article(
  built: BuiltIndicators,
  profile: Profile,
  meta: ReportMeta,
  language: Language,
  trend: readonly TrendPoint[],
  changes?: ReportChanges,
): string {
  const t = (key: keyof typeof TEXT) => TEXT[key][language];
  const trends = profile.indicators
    .map((wanted) => {
      const title = `${nameOf(wanted.id, language)} · ${t('trend')}`;
      const chart = lineChart(
        trend.map((point) => ({ period: point.period, value: point.values[wanted.id] ?? null })),
        wanted.target?.value,
        title,
      );
      return chart ? `<figure><figcaption>${escapeHtml(title)}</figcaption>${chart}</figure>` : '';
    })
    .join('');
  const wholes = built.indicators.filter(isWholeOperator);
  const summaryRows = wholes
    .map((entry) => {
      const target = entry.target ? `${entry.target.op} ${entry.target.value}` : '';
      const verdict =
        entry.compliant === null ? '' : entry.compliant ? `✓ ${t('met')}` : `✗ ${t('notMet')}`;
      const previous =
        entry.previous === undefined
          ? ''
          : `${entry.previous ?? '–'}${entry.changeSignificant ? ` (${t('significant')})` : ''}`;
      return `<tr><th scope="row">${escapeHtml(nameOf(entry.id, language))}</th><td>${escapeHtml(formatValue(entry))}</td><td>${entry.n}</td><td>${escapeHtml(target)} ${verdict}</td><td>${escapeHtml(previous)}</td></tr>${entry.note ? `<tr><td colspan="5" class="note">${escapeHtml(entry.note)}</td></tr>` : ''}`;
    })
    .join('');
  const charts = profile.indicators
    .map((wanted) => {
      const cells = built.indicators.filter(
        (entry) => entry.id === wanted.id && isRegionCell(entry),
      );
      const chart = barChart(
        cells,
        wanted.target?.value,
        `${nameOf(wanted.id, language)} · ${t('byRegion')}`,
      );
      return chart
        ? `<figure><figcaption>${escapeHtml(nameOf(wanted.id, language))} · ${t('byRegion')}</figcaption>${chart}</figure>`
        : '';
    })
    .join('');
  const rankings = built.rankings
    .map(
      (ranking) =>
        `<h3>${escapeHtml(nameOf(ranking.indicator, language))} · ${t('ranking')}</h3><table><tbody>${ranking.entries
          .map(
            (entry) =>
              `<tr><td>${entry.rank}</td><th scope="row">${escapeHtml(entry.region)}</th><td>${entry.value}</td></tr>`,
          )
          .join(
            '',
          )}<tr><td></td><th scope="row">${t('average')}</th><td>${ranking.average ?? '–'}</td></tr></tbody></table>`,
    )
    .join('');
  const suppressed = built.indicators.filter((entry) => entry.suppressed).length;
  return `<article lang="${language}" id="${language}">
<h1>${escapeHtml(profile.name[language])}</h1>
<p>${escapeHtml(meta.operator)} · ${t('period')} ${escapeHtml(built.period.id)} (${built.period.start} – ${built.period.end}, ${escapeHtml(built.period.timezone)}) · ${escapeHtml(meta.reportId)}</p>
${restatedSection(changes, language)}
<h2>${t('summary')}</h2>
<table><thead><tr><th>${t('indicator')}</th><th>${t('value')}</th><th>n</th><th>${t('target')}</th><th>${t('previous')}</th></tr></thead><tbody>${summaryRows}</tbody></table>
${trends ? `<h2>${t('trend')}</h2><p class="note">${t('trendNote')}</p>${trends}` : ''}
<h2>${t('byRegion')}</h2>${charts}
${rankings ? `<h2>${t('ranking')}</h2>${rankings}` : ''}
<h2>${t('suppressed')}</h2><p>${
    language === 'en'
      ? `${suppressed} cells are suppressed: fewer than ${profile.minCell} observations, or withheld so that such a cell cannot be derived from a total and its siblings.`
      : `共 ${suppressed} 个单元格被抑制：样本数少于 ${profile.minCell}，或为防止由总数与其他单元格反推而一并抑制。`
  }</p>
<h2>${t('methodology')}</h2><p>${
    language === 'en'
      ? 'Percentages carry Wilson 95% intervals; NPS its 95% margin; quantiles are nearest-rank; changes against the previous period are two-proportion z-tests at 95%.'
      : '百分比附 Wilson 95% 置信区间；NPS 附 95% 误差范围；分位数采用最近秩法；与上期比较采用 95% 双比例 z 检验。'
  } ${escapeHtml(ROUNDING_RULE)} methodology.json · manifest.json · manifest.sig</p>
</article>`;
}

const STYLE = `body{font-family:system-ui,"Noto Sans SC",sans-serif;margin:0 auto;max-width:960px;padding:1rem;color:#1a1a1a}
nav a{margin-right:1rem}table{border-collapse:collapse;width:100%;margin:.5rem 0}
td,th{border-bottom:1px solid #ccc;padding:.3rem;text-align:left;vertical-align:top}
.note{color:#555;font-size:.9em}figure{margin:1rem 0}svg text{font-size:12px}
.bar{fill:#2b6cb0}.miss{fill:#c05621}.target{stroke:#1a1a1a;stroke-dasharray:4 2}
.trend{fill:none;stroke:#2b6cb0;stroke-width:2}.point{fill:#2b6cb0}
article+article{border-top:3px solid #1a1a1a;margin-top:2rem}`;

/** The page's only style, allowed by its hash: nothing else may load or run. */
const STYLE_HASH = `sha256-${createHash('sha256').update(STYLE).digest('base64')}`;

/**
 * report.html: one self-contained page (no script, no external resource; charts are
 * inline SVG), the report in Chinese and then in English.
 */
export function renderReportHtml(
  built: BuiltIndicators,
  profile: Profile,
  meta: ReportMeta,
  trend: readonly TrendPoint[] = [],
  changes?: ReportChanges,
): string {
  return `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src '${STYLE_HASH}'">
<title>${escapeHtml(profile.name['zh-CN'])} · ${escapeHtml(profile.name.en)} · ${escapeHtml(built.period.id)}</title>
<style>${STYLE}</style></head><body>
<nav><a href="#zh-CN" lang="zh-CN">中文</a><a href="#en" lang="en">English</a></nav>
${article(built, profile, meta, 'zh-CN', trend, changes)}
${article(built, profile, meta, 'en', trend, changes)}
</body></html>
`;
}
