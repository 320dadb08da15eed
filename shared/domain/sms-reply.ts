/** The survey question an SMS reply answers. */
export type SmsStep = 'csat' | 'nps' | 'comment';

export type SmsReply =
  | { kind: 'opt_out' }
  | { kind: 'opt_in' }
  | { kind: 'help' }
  | { kind: 'score'; value: number }
  | { kind: 'comment'; text: string | undefined }
  | { kind: 'unparseable' };

/** Carriers' and gateways' opt-out words, matched on the whole message (docs/design.md §5). */
const OPT_OUT = new Set([
  'STOP',
  'STOPALL',
  'UNSUBSCRIBE',
  'CANCEL',
  'END',
  'QUIT',
  'OPTOUT',
  'OPT-OUT',
  'REMOVE',
  'REVOKE',
  'ARRET',
  'TD',
  'T',
  '退订',
  '取消',
]);
const OPT_IN = new Set(['START', 'UNSTOP', '订阅']);
const HELP = new Set(['HELP', 'INFO', '帮助']);
const SKIP_COMMENT = new Set(['NO', 'NONE', 'SKIP', 'N', '无', '没有', '不用', '跳过']);

const CHINESE_DIGITS: Record<string, number> = {
  零: 0,
  〇: 0,
  一: 1,
  二: 2,
  两: 2,
  三: 3,
  四: 4,
  五: 5,
  六: 6,
  七: 7,
  八: 8,
  九: 9,
  十: 10,
};
const ENGLISH_NUMBERS: Record<string, number> = {
  ZERO: 0,
  ONE: 1,
  TWO: 2,
  THREE: 3,
  FOUR: 4,
  FIVE: 5,
  SIX: 6,
  SEVEN: 7,
  EIGHT: 8,
  NINE: 9,
  TEN: 10,
};
/** Satisfaction words that name one point of the 1–5 scale and nothing else. */
const CSAT_WORDS: Record<string, number> = {
  非常满意: 5,
  很满意: 5,
  'VERY SATISFIED': 5,
  'EXTREMELY SATISFIED': 5,
  满意: 4,
  比较满意: 4,
  SATISFIED: 4,
  一般: 3,
  NEUTRAL: 3,
  不满意: 2,
  不太满意: 2,
  DISSATISFIED: 2,
  UNSATISFIED: 2,
  非常不满意: 1,
  很不满意: 1,
  'VERY DISSATISFIED': 1,
  'VERY UNSATISFIED': 1,
};
const RANGES: Record<Exclude<SmsStep, 'comment'>, [number, number]> = {
  csat: [1, 5],
  nps: [0, 10],
};

/**
 * Folds a message for matching: full-width characters to ASCII (NFKC: "５" → "5",
 * "ＳＴＯＰ" → "STOP"), upper case, single spaces, no surrounding punctuation.
 */
export function foldSmsText(text: string): string {
  return text
    .normalize('NFKC')
    .toUpperCase()
    .replace(/\s+/g, ' ')
    .replace(/^[\s.,!?;:。，！？；：、"'“”‘’]+|[\s.,!?;:。，！？；：、"'“”‘’]+$/g, '');
}

function scoreOf(folded: string, step: Exclude<SmsStep, 'comment'>): number | undefined {
  const bare = folded.replace(/\s*(分|POINTS?|PTS?)$/, '');
  let value: number | undefined;
  if (/^\d{1,2}$/.test(bare)) value = Number(bare);
  else if (bare in CHINESE_DIGITS) value = CHINESE_DIGITS[bare];
  else if (bare in ENGLISH_NUMBERS) value = ENGLISH_NUMBERS[bare];
  else if (step === 'csat' && folded in CSAT_WORDS) value = CSAT_WORDS[folded];
  const [min, max] = RANGES[step];
  return value !== undefined && value >= min && value <= max ? value : undefined;
}

/**
 * Reads a customer's SMS reply to the question at `step`. Keywords win at every step
 * (an opt-out mid-survey is honoured at once); scores accept "5", "５", "5分", "五",
 * "five" and unambiguous satisfaction words; a comment is any other text.
 */
export function parseSmsReply(text: string, step: SmsStep): SmsReply {
  const folded = foldSmsText(text);
  if (OPT_OUT.has(folded)) return { kind: 'opt_out' };
  if (OPT_IN.has(folded)) return { kind: 'opt_in' };
  if (HELP.has(folded)) return { kind: 'help' };
  if (step === 'comment') {
    if (folded === '' || SKIP_COMMENT.has(folded)) return { kind: 'comment', text: undefined };
    return { kind: 'comment', text: text.trim().slice(0, 1000) };
  }
  const value = scoreOf(folded, step);
  return value === undefined ? { kind: 'unparseable' } : { kind: 'score', value };
}
