import { createHash } from 'node:crypto';
import { type Locale, type ScaleQuestion, SURVEYS } from '../domain/survey-definitions.ts';
import type { SurveyLink } from '../domain/survey-response.ts';
import type { FieldError } from '../domain/validation.ts';
import { escapeHtml } from './html.ts';

const TEXT = {
  submit: { 'zh-CN': '提交', en: 'Submit' },
  errorsTitle: { 'zh-CN': '请检查以下问题：', en: 'Please check the following:' },
  required: { 'zh-CN': '请选择一项', en: 'Please choose one' },
  tooLong: { 'zh-CN': '请不超过1000字', en: 'Please keep it under 1000 characters' },
  thanksTitle: { 'zh-CN': '感谢您的反馈', en: 'Thank you for your feedback' },
  thanksBody: {
    'zh-CN': '您的意见已收到，将帮助我们改进服务。',
    en: 'Your answers have been recorded and will help us improve our service.',
  },
  privacy: {
    'zh-CN': '您的回答仅用于服务质量统计，不会公开您的个人信息。',
    en: 'Your answers are used only for service-quality statistics; nothing that identifies you is published.',
  },
} satisfies Record<string, Record<Locale, string>>;

const STYLE = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"PingFang SC","Noto Sans SC","Microsoft YaHei",sans-serif;color:#1a1a1a;background:#f4f5f7}
main{max-width:36rem;margin:0 auto;padding:1rem}
h1{font-size:1.35rem;margin:.5rem 0 1rem}
fieldset{border:0;margin:0 0 1.25rem;padding:1rem;background:#fff;border-radius:.5rem}
legend{font-weight:600;padding:0;margin-bottom:.5rem;float:left;width:100%}
.scale{clear:both;display:flex;flex-wrap:wrap;gap:.4rem}
.scale label{flex:1 0 2.75rem;min-height:2.75rem;display:flex;align-items:center;justify-content:center;border:2px solid #5a6270;border-radius:.4rem;background:#fff;font-weight:600;cursor:pointer}
.scale input{position:absolute;opacity:0;width:1px;height:1px}
.scale input:checked+span{color:#fff}
.scale label:has(input:checked){background:#0b57d0;border-color:#0b57d0;color:#fff}
.scale input:focus-visible+span{outline:3px solid #0b57d0;outline-offset:4px}
.anchors{clear:both;display:flex;justify-content:space-between;font-size:.85rem;color:#3d434d;margin-top:.35rem}
textarea{width:100%;min-height:6rem;font:inherit;padding:.5rem;border:2px solid #5a6270;border-radius:.4rem}
button{width:100%;min-height:3rem;font:inherit;font-weight:700;color:#fff;background:#0b57d0;border:0;border-radius:.5rem}
.error{color:#a50e0e;font-weight:600}
.summary{border:2px solid #a50e0e;background:#fff;padding:.75rem 1rem;border-radius:.5rem;margin-bottom:1rem}
.note{font-size:.85rem;color:#3d434d}
`.trim();

/** The content security policy: no script at all, this page's own style only. */
export const SURVEY_PAGE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`,
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

function page(lang: string, title: string, body: string): string {
  return `<!doctype html><html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
}

function scale(
  question: ScaleQuestion,
  locale: Locale,
  value: string | undefined,
  error: string | undefined,
) {
  const id = question.id;
  const options = [];
  for (let n = question.min; n <= question.max; n += 1) {
    const checked = value === String(n) ? ' checked' : '';
    options.push(
      `<label><input type="radio" name="${id}" value="${n}" required${checked}${error ? ` aria-describedby="${id}-error"` : ''}><span>${n}</span></label>`,
    );
  }
  return `<fieldset id="${id}"><legend>${escapeHtml(question.text[locale])}</legend>${
    error ? `<p class="error" id="${id}-error">${escapeHtml(error)}</p>` : ''
  }<div class="scale">${options.join('')}</div><div class="anchors" aria-hidden="true"><span>${question.min} ${escapeHtml(question.anchors.low[locale])}</span><span>${question.max} ${escapeHtml(question.anchors.high[locale])}</span></div></fieldset>`;
}

/** The survey form in the invitation's locale; with errors after an invalid submission. */
export function renderSurveyForm(input: {
  link: SurveyLink;
  action: string;
  values?: Record<string, string>;
  errors?: FieldError[];
}): string {
  const { link, action, values = {}, errors = [] } = input;
  const { locale } = link;
  const survey = SURVEYS[link.touchpoint];
  const [csat, nps, comment] = survey.questions;
  const errorFor = (field: string) => {
    const found = errors.find((error) => error.pointer === `/${field}`);
    if (!found) return undefined;
    return field === 'comment' ? TEXT.tooLong[locale] : TEXT.required[locale];
  };
  const summary = errors.length
    ? `<div class="summary" role="alert"><p class="error">${TEXT.errorsTitle[locale]}</p><ul>${errors
        .map((error) => {
          const field = error.pointer.slice(1);
          const question = survey.questions.find((q) => q.id === field);
          return `<li><a href="#${escapeHtml(field)}">${escapeHtml(question?.text[locale] ?? field)}</a></li>`;
        })
        .join('')}</ul></div>`
    : '';
  const commentError = errorFor('comment');
  const body = `<h1>${escapeHtml(survey.title[locale])}</h1>${summary}<form method="post" action="${escapeHtml(action)}" novalidate>${scale(
    csat,
    locale,
    values.csat,
    errorFor('csat'),
  )}${scale(nps, locale, values.nps, errorFor('nps'))}<fieldset><label for="comment"><strong>${escapeHtml(
    comment.text[locale],
  )}</strong></label>${commentError ? `<p class="error" id="comment-error">${escapeHtml(commentError)}</p>` : ''}<textarea id="comment" name="comment" maxlength="${comment.maxLength}" rows="4"${
    commentError ? ' aria-describedby="comment-error"' : ''
  }>${escapeHtml(values.comment ?? '')}</textarea></fieldset><button type="submit">${TEXT.submit[locale]}</button></form><p class="note">${escapeHtml(TEXT.privacy[locale])}</p>`;
  return page(locale, survey.title[locale], body);
}

/** The thank-you page, in the invitation's locale. */
export function renderThanks(locale: Locale): string {
  return page(
    locale,
    TEXT.thanksTitle[locale],
    `<h1>${TEXT.thanksTitle[locale]}</h1><p>${TEXT.thanksBody[locale]}</p>`,
  );
}

/**
 * The one page for links that are used, expired or unknown: bilingual, and the same for
 * all three, so that it tells a guesser nothing about a token.
 */
export function renderUnavailable(): string {
  return page(
    'zh-CN',
    '链接已失效 / Link no longer available',
    `<h1>此调查链接已失效</h1><p>该链接已使用、已过期或无效。感谢您的关注。</p><h1 lang="en">This survey link is no longer available</h1><p lang="en">It has been used, has expired, or is not valid. Thank you for your interest.</p>`,
  );
}
