import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Node } from 'constructs';
import { endpointUrlProblem } from '#shared/domain/endpoint-address.ts';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '#shared/domain/follow-up.ts';
import { DEFAULT_REMINDER_AFTER_DAYS } from '#shared/domain/reminders.ts';
import { DEFAULT_MISSED_SCHEDULE_HOURS } from '#shared/domain/report-schedule.ts';
import { cidrProblem } from '#shared/http/source-allow-list.ts';
import { type Profile, profilesWith, readProfileDirectory } from '#shared/indicators/profiles.ts';
import { DEFAULT_RESTATE_WINDOW_PERIODS } from '#shared/use-cases/restate-reports.ts';
import {
  DEFAULT_ROUTE_THROTTLES,
  ROUTE_CLASSES,
  type RouteClass,
  type RouteThrottle,
} from './constructs/service-api.ts';

/** An operator endpoint that follow-up webhooks are delivered to (docs/design.md §10.1). */
export interface WebhookEndpointConfig {
  /** Names its secret; `^[a-z0-9][a-z0-9-]{0,31}$`. */
  name: string;
  /** https, and no private, loopback or link-local address. */
  url: string;
  eventTypes: WebhookEventType[];
  /** A Secrets Manager secret made elsewhere (its complete ARN); else the stack makes one. */
  secretArn?: string;
}

/** Deployment settings, read once from CDK context (`-c key=value` or cdk.json). */
export interface StageConfig {
  /** `dev` or `prod`; prod retains data and protects stacks from deletion. */
  stage: 'dev' | 'prod';
  /** Where alarm notifications go; empty means no subscription (alarms still fire). */
  alarmEmail: string;
  /** One Secrets Manager secret is created per complaint source. */
  complaintSources: string[];
  /** The reporting time zone that decides which period an event belongs to. */
  reportingTimeZone: string;
  /** Raw complaints and responses expire after this many days (DynamoDB TTL). */
  rawDataRetentionDays: number;
  /**
   * The deployment's first month (`YYYY-MM`): people can ask for no report of a period
   * that ends before it begins.
   */
  firstReportMonth: string;
  /**
   * The daily restatement check recomputes the published reports of this many last
   * complete periods per profile (docs/reports.md, Restatements); 0 turns it off.
   */
  restateWindowPeriods: number;
  /** One Secrets Manager secret per operator system that creates invitations. */
  invitationSources: string[];
  /**
   * Public base URL of the HTTP API: the URL the SMS gateway signs
   * (`{apiBaseUrl}/sms/inbound`) and the portal's; empty means the HTTP API's own URL.
   */
  apiBaseUrl: string;
  /**
   * Public base URL of survey links (`{surveyBaseUrl}/s/{token}`), which may be a short-link
   * domain of its own; empty means `apiBaseUrl`.
   */
  surveyBaseUrl: string;
  /**
   * The prefix of the user pool's managed-login domain
   * (`https://<prefix>.auth.<region>.amazoncognito.com`), unique in the region; empty means
   * `tsq-<stage>-<account id>`.
   */
  loginDomainPrefix: string;
  surveyTokenTtlDays: number;
  frequencyCapDays: number;
  /**
   * Days after which an unanswered invitation gets its one reminder (docs/design.md
   * §10.3); 0 turns reminders off. Fewer than `surveyTokenTtlDays`, or none could come.
   */
  reminderAfterDays: number;
  /** Local `HH:MM-HH:MM` in the reporting time zone when no SMS is sent. */
  quietHours: string;
  /** The SMS sender id (alphanumeric, where carriers allow one); empty for none. */
  smsSenderId: string;
  /**
   * The deployment's own SMS numbers (E.164), to which customers reply: an inbound SMS to
   * any other number (`To`, `destinationNumber`) is ignored. None: every one is ignored.
   */
  smsNumbers: string[];
  /** The operator's name as reports carry it. */
  operatorName: string;
  /**
   * Hours after a report schedule fires by which its report must be published, or the
   * missed-schedule alarm goes to the alarm topic (default 6).
   */
  missedScheduleHours: number;
  /**
   * The address publication notices are sent from (docs/design.md §7); empty: no notices
   * are sent, and no notice function is deployed.
   */
  noticeSender: string;
  /**
   * The SES identity (a domain, or the address itself) that the sender belongs to, verified
   * in SES outside the stacks (docs/operations.md, Publication notices); by default the
   * sender's domain.
   */
  noticeIdentity: string;
  /** Object Lock retention of reports, in days (default 5 years). */
  reportRetentionDays: number;
  /** The code version reports name in their manifest and methodology. */
  codeVersion: string;
  /**
   * The profiles reports are built by: the built-in ones and the operator's own
   * (`-c profilesDirectory=…`, a directory of profile JSON documents), validated here so
   * that a bad one fails synthesis, not a report run.
   */
  profiles: Readonly<Record<string, Profile>>;
  /** The operator's profile documents, which the report functions' bundles carry. */
  operatorProfileFiles: string[];
  /** Where follow-up cases are delivered; none by default. */
  followUpEndpoints: WebhookEndpointConfig[];
  /**
   * Case deliveries in flight at once, across endpoints (the delivery queue's maximum
   * concurrency, 2 to 1,000; default 2): the rate the operator's receivers take. At a
   * national operator's peak (docs/capacity.md) two cannot keep up.
   */
  caseDeliveryConcurrency: number;
  /**
   * The operator's networks (CIDR) that alone may call the operator routes (complaint,
   * invitation and case-event webhooks); none: any address, the signature alone decides.
   */
  operatorSourceCidrs: string[];
  /** Requests a second and burst per route, by the route's class (docs/operations.md). */
  routeThrottles: Readonly<Record<RouteClass, RouteThrottle>>;
  /**
   * CloudFront and AWS WAF in front of the public routes (`-c edge=true`,
   * docs/operations.md); undefined: none, the HTTP API's own URL is public.
   */
  edge: EdgeConfig | undefined;
}

/** The public routes' classes that the edge's web ACL limits per client IP. */
export const EDGE_RATE_CLASSES = ['surveyPages', 'smsWebhook', 'portal'] as const;
export type EdgeRateClass = (typeof EDGE_RATE_CLASSES)[number];

/** The optional edge: a CloudFront distribution with an AWS WAF web ACL. */
export interface EdgeConfig {
  /** The operator's own domain for the distribution (`surveys.operator.example`), if any. */
  domain?: string;
  /** Its ACM certificate, which CloudFront takes only from us-east-1. */
  certificateArn?: string;
  /** Requests per client IP in any five minutes, per class, above which WAF blocks. */
  rateLimits: Readonly<Record<EdgeRateClass, number>>;
  /** The AWS managed common rule set: counted only (the default), or blocking. */
  commonRules: 'count' | 'block';
}

/**
 * Requests one client IP may make in five minutes, per class (WAF's rate-based rules):
 * - survey pages 600: a customer opens, answers and thanks in 3; the rest is room for many
 *   customers behind one carrier-grade NAT address on a morning's batch;
 * - the SMS webhook 30,000 (100 a second, its route throttle): the gateway posts every
 *   reply from a few addresses of its own, so the limit must stay above the whole reply rate;
 * - the portal 1,500 (5 a second): a person's browser, pages and assets.
 */
export const DEFAULT_EDGE_RATE_LIMITS: Readonly<Record<EdgeRateClass, number>> = {
  surveyPages: 600,
  smsWebhook: 30_000,
  portal: 1_500,
};

/** The version in package.json, unless the deployment names one (`-c codeVersion=…`). */
const PACKAGE_VERSION = String(
  (
    JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version?: string;
    }
  ).version ?? '0.0.0',
);

const SOURCE_NAME = /^[a-z0-9][a-z0-9-]{0,31}$/;

/** Reads and validates the stage configuration; a bad value fails synthesis loudly. */
export function readStageConfig(node: Node): StageConfig {
  const stage = String(node.tryGetContext('stage') ?? 'dev');
  if (stage !== 'dev' && stage !== 'prod') {
    throw new Error(`context "stage" must be dev or prod, got "${stage}"`);
  }
  const sources = asList(node.tryGetContext('complaintSources') ?? ['crm']);
  const invitationSources = asList(node.tryGetContext('invitationSources') ?? ['crm']);
  for (const source of [...sources, ...invitationSources]) {
    if (!SOURCE_NAME.test(source)) {
      throw new Error(`source "${source}" must match ${SOURCE_NAME}`);
    }
  }
  const quietHours = String(node.tryGetContext('quietHours') ?? '21:00-08:00');
  if (!/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/.test(quietHours)) {
    throw new Error(`context "quietHours" must look like 21:00-08:00, got "${quietHours}"`);
  }
  const retention = Number(node.tryGetContext('rawDataRetentionDays') ?? 400);
  if (!Number.isInteger(retention) || retention < 1) {
    throw new Error('context "rawDataRetentionDays" must be a positive whole number');
  }
  const timeZone = String(node.tryGetContext('reportingTimeZone') ?? 'Asia/Shanghai');
  try {
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    throw new Error(`context "reportingTimeZone" is not an IANA time zone: "${timeZone}"`);
  }
  const firstReportMonth = String(node.tryGetContext('firstReportMonth') ?? '2026-01');
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(firstReportMonth)) {
    throw new Error(
      `context "firstReportMonth" must be a month such as 2026-01, got "${firstReportMonth}"`,
    );
  }
  const surveyTokenTtlDays = positive(node, 'surveyTokenTtlDays', 7);
  const reminderAfterDays = Number(
    node.tryGetContext('reminderAfterDays') ?? DEFAULT_REMINDER_AFTER_DAYS,
  );
  if (!Number.isInteger(reminderAfterDays) || reminderAfterDays < 0) {
    throw new Error('context "reminderAfterDays" must be a whole number, 0 to turn reminders off');
  }
  if (reminderAfterDays >= surveyTokenTtlDays) {
    throw new Error(
      `context "reminderAfterDays" (${reminderAfterDays}) must be less than "surveyTokenTtlDays" (${surveyTokenTtlDays}): no link would be unexpired when its reminder came due; 0 turns reminders off`,
    );
  }
  const restateWindowPeriods = Number(
    node.tryGetContext('restateWindowPeriods') ?? DEFAULT_RESTATE_WINDOW_PERIODS,
  );
  if (!Number.isInteger(restateWindowPeriods) || restateWindowPeriods < 0) {
    throw new Error(
      'context "restateWindowPeriods" must be a whole number of periods, 0 to turn restatements off',
    );
  }
  return {
    stage,
    firstReportMonth,
    restateWindowPeriods,
    alarmEmail: String(node.tryGetContext('alarmEmail') ?? ''),
    complaintSources: sources,
    reportingTimeZone: timeZone,
    rawDataRetentionDays: retention,
    invitationSources,
    apiBaseUrl: baseUrl(node, 'apiBaseUrl'),
    surveyBaseUrl: baseUrl(node, 'surveyBaseUrl'),
    loginDomainPrefix: loginDomainPrefix(node),
    surveyTokenTtlDays,
    reminderAfterDays,
    frequencyCapDays: positive(node, 'frequencyCapDays', 30),
    quietHours,
    smsSenderId: String(node.tryGetContext('smsSenderId') ?? ''),
    smsNumbers: smsNumbers(node),
    operatorName: String(node.tryGetContext('operatorName') ?? 'Example Telecom'),
    reportRetentionDays: positive(node, 'reportRetentionDays', 1826),
    ...noticeSender(node),
    missedScheduleHours: positive(node, 'missedScheduleHours', DEFAULT_MISSED_SCHEDULE_HOURS),
    codeVersion: String(node.tryGetContext('codeVersion') ?? PACKAGE_VERSION),
    ...readOperatorProfiles(node.tryGetContext('profilesDirectory')),
    followUpEndpoints: readWebhookEndpoints(node.tryGetContext('followUpEndpoints')),
    caseDeliveryConcurrency: caseDeliveryConcurrency(node),
    routeThrottles: readRouteThrottles(node.tryGetContext('routeThrottles')),
    operatorSourceCidrs: operatorSourceCidrs(node),
    edge: readEdge(node),
  };
}

/** WAF's bounds on a rate-based rule's limit (requests in its five-minute window). */
const MIN_EDGE_RATE = 10;
const MAX_EDGE_RATE = 2_000_000_000;

/**
 * `edge` (true to turn it on), `edgeDomain` with `edgeCertificateArn` (both or neither;
 * the certificate in us-east-1), `edgeRateLimits` (an object or its JSON, for some
 * classes) and `edgeCommonRules` (`count` or `block`). Edge keys without `edge` fail, so
 * that an operator does not believe a WAF protects a deployment that has none.
 */
export function readEdge(node: Node): EdgeConfig | undefined {
  const on = String(node.tryGetContext('edge') ?? 'false');
  if (on !== 'true' && on !== 'false') {
    throw new Error(`context "edge" must be true or false, got "${on}"`);
  }
  const given = ['edgeDomain', 'edgeCertificateArn', 'edgeRateLimits', 'edgeCommonRules'].filter(
    (key) => (node.tryGetContext(key) ?? '') !== '',
  );
  if (on === 'false') {
    if (given.length > 0) {
      throw new Error(`context "${given.join('", "')}" needs "edge" set to true`);
    }
    return undefined;
  }
  const domain = String(node.tryGetContext('edgeDomain') ?? '');
  const certificateArn = String(node.tryGetContext('edgeCertificateArn') ?? '');
  if ((domain === '') !== (certificateArn === '')) {
    throw new Error('context "edgeDomain" and "edgeCertificateArn" go together: both or neither');
  }
  if (
    domain &&
    !/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(domain)
  ) {
    throw new Error(
      `context "edgeDomain" must be a lower-case host name such as surveys.operator.example, got "${domain}"`,
    );
  }
  if (
    certificateArn &&
    !/^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate\/[0-9a-f-]{36}$/.test(certificateArn)
  ) {
    throw new Error(
      `context "edgeCertificateArn" must be an ACM certificate's ARN in us-east-1 (CloudFront takes no other region's), got "${certificateArn}"`,
    );
  }
  const commonRules = String(node.tryGetContext('edgeCommonRules') ?? 'count');
  if (commonRules !== 'count' && commonRules !== 'block') {
    throw new Error(`context "edgeCommonRules" must be count or block, got "${commonRules}"`);
  }
  return {
    ...(domain ? { domain, certificateArn } : {}),
    rateLimits: readEdgeRateLimits(node.tryGetContext('edgeRateLimits')),
    commonRules,
  };
}

/** `edgeRateLimits`: `{class: requests per client IP in five minutes}` for some classes. */
function readEdgeRateLimits(setting: unknown): Record<EdgeRateClass, number> {
  const limits = { ...DEFAULT_EDGE_RATE_LIMITS };
  if (setting === undefined || setting === '') return limits;
  const given: unknown = typeof setting === 'string' ? JSON.parse(setting) : setting;
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw new Error('context "edgeRateLimits" must be an object such as {"surveyPages":600}');
  }
  for (const [name, limit] of Object.entries(given)) {
    if (!(EDGE_RATE_CLASSES as readonly string[]).includes(name)) {
      throw new Error(
        `context "edgeRateLimits": "${name}" is none of ${EDGE_RATE_CLASSES.join(', ')}`,
      );
    }
    if (!Number.isInteger(limit) || limit < MIN_EDGE_RATE || limit > MAX_EDGE_RATE) {
      throw new Error(
        `context "edgeRateLimits": "${name}" needs a whole number from ${MIN_EDGE_RATE} to ${MAX_EDGE_RATE} (requests per client IP in five minutes)`,
      );
    }
    limits[name as EdgeRateClass] = limit;
  }
  return limits;
}

/** API Gateway's default account limits per region: no route can be given more. */
const MAX_RATE = 10_000;
const MAX_BURST = 5_000;

/**
 * `routeThrottles`: an object (or its JSON) of `{class: {rate, burst}}` for some route
 * classes; the others keep their defaults. Whole numbers, burst at least the rate.
 */
export function readRouteThrottles(setting: unknown): Record<RouteClass, RouteThrottle> {
  const throttles = { ...DEFAULT_ROUTE_THROTTLES };
  if (setting === undefined || setting === '') return throttles;
  const given: unknown = typeof setting === 'string' ? JSON.parse(setting) : setting;
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw new Error(
      'context "routeThrottles" must be an object such as {"surveyPages":{"rate":300,"burst":600}}',
    );
  }
  for (const [name, value] of Object.entries(given)) {
    if (!(ROUTE_CLASSES as readonly string[]).includes(name)) {
      throw new Error(`context "routeThrottles": "${name}" is none of ${ROUTE_CLASSES.join(', ')}`);
    }
    const { rate, burst } = (value ?? {}) as Record<string, unknown>;
    if (
      typeof rate !== 'number' ||
      typeof burst !== 'number' ||
      !Number.isInteger(rate) ||
      !Number.isInteger(burst) ||
      rate < 1 ||
      rate > MAX_RATE ||
      burst < rate ||
      burst > MAX_BURST
    ) {
      throw new Error(
        `context "routeThrottles": "${name}" needs whole numbers 1 ≤ rate ≤ ${MAX_RATE} and rate ≤ burst ≤ ${MAX_BURST}`,
      );
    }
    throttles[name as RouteClass] = { rate, burst };
  }
  return throttles;
}

/**
 * `followUpEndpoints`: a list (or its JSON) of `{name, url, eventTypes?, secretArn?}`; every URL
 * https and of no private, loopback or link-local address, or synthesis fails.
 */
export function readWebhookEndpoints(setting: unknown): WebhookEndpointConfig[] {
  if (setting === undefined || setting === '') return [];
  const list: unknown = typeof setting === 'string' ? JSON.parse(setting) : setting;
  if (!Array.isArray(list)) throw new Error('context "followUpEndpoints" must be a list');
  const names = new Set<string>();
  return list.map((entry: unknown) => {
    const { name, url, eventTypes, secretArn } = (entry ?? {}) as Record<string, unknown>;
    if (typeof name !== 'string' || !SOURCE_NAME.test(name) || names.has(name)) {
      throw new Error(`follow-up endpoint name "${String(name)}" must match ${SOURCE_NAME}, once`);
    }
    names.add(name);
    const problem = typeof url === 'string' ? endpointUrlProblem(url) : 'is missing';
    if (problem) throw new Error(`follow-up endpoint "${name}": its url ${problem}`);
    // Cases by default: an endpoint takes reminders only when it names them, so a ticketing
    // system configured before reminders existed is not sent a type it never asked for.
    const types = eventTypes === undefined ? ['case.opened'] : eventTypes;
    if (
      !Array.isArray(types) ||
      !types.every((type) => (WEBHOOK_EVENT_TYPES as readonly unknown[]).includes(type))
    ) {
      throw new Error(
        `follow-up endpoint "${name}": eventTypes must be some of ${WEBHOOK_EVENT_TYPES.join(', ')}`,
      );
    }
    if (
      secretArn !== undefined &&
      (typeof secretArn !== 'string' ||
        !/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/.test(
          secretArn,
        ))
    ) {
      throw new Error(`follow-up endpoint "${name}": secretArn must be a secret's complete ARN`);
    }
    return {
      name,
      url: String(url),
      eventTypes: types as WebhookEventType[],
      ...(secretArn ? { secretArn } : {}),
    };
  });
}

function readOperatorProfiles(
  setting: unknown,
): Pick<StageConfig, 'profiles' | 'operatorProfileFiles'> {
  let own: ReturnType<typeof readProfileDirectory> = [];
  if (setting !== undefined && setting !== '') {
    const directory = resolve(String(setting));
    if (!existsSync(directory)) {
      throw new Error(`context "profilesDirectory" names no directory: ${directory}`);
    }
    own = readProfileDirectory(directory);
  }
  return {
    profiles: profilesWith(own.map(({ profile }) => profile)),
    operatorProfileFiles: own.map(({ path }) => path),
  };
}

/** `noticeSender` (an address or empty) and `noticeIdentity` (its domain unless given). */
function noticeSender(node: Node): Pick<StageConfig, 'noticeSender' | 'noticeIdentity'> {
  const sender = String(node.tryGetContext('noticeSender') ?? '');
  if (sender === '') return { noticeSender: '', noticeIdentity: '' };
  const address = /^[^\s@<>"]+@([a-z0-9-]+(?:\.[a-z0-9-]+)+)$/i.exec(sender);
  if (!address) {
    throw new Error(`context "noticeSender" must be an e-mail address, got "${sender}"`);
  }
  const identity = String(node.tryGetContext('noticeIdentity') ?? '') || (address[1] ?? '');
  if (identity !== sender && identity.toLowerCase() !== address[1]?.toLowerCase()) {
    throw new Error(
      `context "noticeIdentity" must be the sender's domain or the sender's address, got "${identity}"`,
    );
  }
  return { noticeSender: sender, noticeIdentity: identity };
}

/** The operator's networks, each an IPv4 or IPv6 CIDR. */
function operatorSourceCidrs(node: Node): string[] {
  const cidrs = asList(node.tryGetContext('operatorSourceCidrs') ?? []);
  for (const cidr of cidrs) {
    const problem = cidrProblem(cidr);
    if (problem) throw new Error(`context "operatorSourceCidrs": "${cidr}" ${problem}`);
  }
  return cidrs;
}

/** The deployment's SMS numbers, each E.164. */
function smsNumbers(node: Node): string[] {
  const numbers = asList(node.tryGetContext('smsNumbers') ?? []);
  for (const number of numbers) {
    if (!/^\+[1-9]\d{6,14}$/.test(number)) {
      throw new Error(`context "smsNumbers" must hold E.164 numbers, got "${number}"`);
    }
  }
  return numbers;
}

/** Cognito's rule for a domain prefix: lower case, digits and hyphens, no AWS names. */
function loginDomainPrefix(node: Node): string {
  const prefix = String(node.tryGetContext('loginDomainPrefix') ?? '');
  if (
    prefix &&
    (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(prefix) || /aws|amazon|cognito/.test(prefix))
  ) {
    throw new Error(
      `context "loginDomainPrefix" must be lower-case letters, digits and hyphens without aws, amazon or cognito, got "${prefix}"`,
    );
  }
  return prefix;
}

/**
 * A public base URL from context, or empty: https, a host, no trailing slash, query,
 * fragment or credentials. A trailing slash would double every path's slash, and the SMS
 * gateway signs the exact URL, so such a value fails synthesis rather than every request.
 */
function baseUrl(node: Node, key: string): string {
  const value = String(node.tryGetContext(key) ?? '');
  if (value === '') return value;
  const url = URL.parse(value);
  if (
    url?.protocol !== 'https:' ||
    value.endsWith('/') ||
    url.search ||
    url.hash ||
    url.username ||
    url.password ||
    value !== `${url.origin}${url.pathname === '/' ? '' : url.pathname}`
  ) {
    throw new Error(
      `context "${key}" must be an https URL without a trailing slash, query or fragment (such as https://surveys.operator.example), got "${value}"`,
    );
  }
  return value;
}

/** SQS event sources take a maximum concurrency from 2 to 1,000. */
function caseDeliveryConcurrency(node: Node): number {
  const value = Number(node.tryGetContext('caseDeliveryConcurrency') ?? 2);
  if (!Number.isInteger(value) || value < 2 || value > 1000) {
    throw new Error('context "caseDeliveryConcurrency" must be a whole number from 2 to 1000');
  }
  return value;
}

function positive(node: Node, key: string, fallback: number): number {
  const value = Number(node.tryGetContext(key) ?? fallback);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`context "${key}" must be a positive whole number`);
  }
  return value;
}

/** Context from the command line arrives as a string; from cdk.json as a list. */
function asList(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  const text = String(value).trim();
  if (text.startsWith('[')) return (JSON.parse(text) as unknown[]).map(String);
  return text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}
