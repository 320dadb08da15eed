import { DEFAULT_FOLLOW_UP_RULE, type FollowUpRule } from './follow-up.ts';

/** Touchpoints after which an operator invites a customer to a survey (docs/design.md §3). */
export const TOUCHPOINTS = ['store', 'hotline', 'online', 'field_repair', 'ticket_closed'] as const;
export type Touchpoint = (typeof TOUCHPOINTS)[number];

export const LOCALES = ['zh-CN', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

type Text = Record<Locale, string>;

export interface ScaleQuestion {
  id: 'csat' | 'nps';
  kind: 'scale';
  min: number;
  max: number;
  text: Text;
  /** Words under the ends of the scale. */
  anchors: { low: Text; high: Text };
}

export interface CommentQuestion {
  id: 'comment';
  kind: 'text';
  optional: true;
  maxLength: number;
  text: Text;
}

export type SurveyQuestion = ScaleQuestion | CommentQuestion;

/** One version of a touchpoint's survey. A change of wording is a new version. */
export interface SurveyDefinition {
  touchpoint: Touchpoint;
  version: number;
  title: Text;
  questions: readonly [ScaleQuestion, ScaleQuestion, CommentQuestion];
  /** Which answers open a follow-up case (docs/design.md §10). */
  followUp: FollowUpRule;
}

const csatAbout: Record<Touchpoint, Text> = {
  store: {
    'zh-CN': '您对本次营业厅服务的满意程度如何？',
    en: 'How satisfied are you with your visit to our store?',
  },
  hotline: {
    'zh-CN': '您对本次客服热线服务的满意程度如何？',
    en: 'How satisfied are you with your call to our hotline?',
  },
  online: {
    'zh-CN': '您对本次线上服务的满意程度如何？',
    en: 'How satisfied are you with our online service?',
  },
  field_repair: {
    'zh-CN': '您对本次上门维修服务的满意程度如何？',
    en: 'How satisfied are you with the repair visit?',
  },
  ticket_closed: {
    'zh-CN': '您对本次问题处理结果的满意程度如何？',
    en: 'How satisfied are you with how your request was handled?',
  },
};

const definition = (touchpoint: Touchpoint): SurveyDefinition => ({
  touchpoint,
  version: 1,
  title: { 'zh-CN': '服务满意度调查', en: 'Customer satisfaction survey' },
  followUp: DEFAULT_FOLLOW_UP_RULE,
  questions: [
    {
      id: 'csat',
      kind: 'scale',
      min: 1,
      max: 5,
      text: csatAbout[touchpoint],
      anchors: {
        low: { 'zh-CN': '非常不满意', en: 'Very dissatisfied' },
        high: { 'zh-CN': '非常满意', en: 'Very satisfied' },
      },
    },
    {
      id: 'nps',
      kind: 'scale',
      min: 0,
      max: 10,
      text: {
        'zh-CN': '您有多大可能向亲友推荐我们？',
        en: 'How likely are you to recommend us to a friend or colleague?',
      },
      anchors: {
        low: { 'zh-CN': '完全不可能', en: 'Not at all likely' },
        high: { 'zh-CN': '极有可能', en: 'Extremely likely' },
      },
    },
    {
      id: 'comment',
      kind: 'text',
      optional: true,
      maxLength: 1000,
      text: {
        'zh-CN': '还有什么想告诉我们的吗？（选填）',
        en: 'Anything else you would like to tell us? (optional)',
      },
    },
  ],
});

/** The current survey of every touchpoint; invitations record the version they used. */
export const SURVEYS: Readonly<Record<Touchpoint, SurveyDefinition>> = Object.fromEntries(
  TOUCHPOINTS.map((touchpoint) => [touchpoint, definition(touchpoint)]),
) as Record<Touchpoint, SurveyDefinition>;

/** The follow-up rule of every touchpoint, from its current survey definition. */
export function followUpRules(): Readonly<Record<Touchpoint, FollowUpRule>> {
  return Object.fromEntries(
    TOUCHPOINTS.map((touchpoint) => [touchpoint, SURVEYS[touchpoint].followUp]),
  ) as Record<Touchpoint, FollowUpRule>;
}
