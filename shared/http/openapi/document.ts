import * as z from 'zod/mini';
import { CaseEventSchema } from '../../domain/case-event.ts';
import { ComplaintBatchSchema, ComplaintEventSchema } from '../../domain/complaint-event.ts';
import { opaqueId } from '../../domain/fields.ts';
import { InvitationRequestSchema } from '../../domain/invitation.ts';
import type { Group } from '../../domain/people.ts';
import { ReportRunSchema } from '../../domain/report-run.ts';
import { DocumentSchema as SubscriberCountsSchema } from '../../domain/subscriber-counts.ts';
import { SurveyAnswersSchema } from '../../domain/survey-response.ts';
import {
  ForbiddenError,
  internalErrorProblem,
  NotFoundError,
  NotThroughEdgeError,
  PayloadTooLargeError,
  type ProblemDetails,
  ServiceUnavailableError,
  SignInRequiredError,
  SourceNotAllowedError,
  SuppressedError,
  UnauthenticatedError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../problem.ts';
import { MAX_BODY_BYTES } from '../request-body.ts';
import {
  CaseFollowUpSchema,
  CaseOpenedWebhookSchema,
  ComplaintsAcceptedSchema,
  ComplaintWebhookBodySchema,
  CustomerErasedSchema,
  GatewayMessageSchema,
  InboundSmsSchema,
  InvitationViewSchema,
  PERIOD_ID_PATTERN,
  PeriodIdSchema,
  ProblemDetailsSchema,
  ReminderDueWebhookSchema,
  ReportDetailSchema,
  ReportIdSchema,
  ReportListSchema,
  ReportManifestSchema,
  ReportRunQueuedSchema,
  ReportSummarySchema,
  SubscriberCountsStoredSchema,
  SurveyAnswerRecordedSchema,
  SurveyTokenSchema,
} from './schemas.ts';

/** A JSON value, as the document is made of. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const schemaRef = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const responseRef = (id: string) => ({ $ref: `#/components/responses/${id}` });

/** Request bodies are described as callers may send them: `io: 'input'`. */
const requestSchemas = z.registry<{ id?: string; description?: string }>();
requestSchemas.add(InvitationRequestSchema, {
  id: 'InvitationRequest',
  description: 'A survey invitation after a service event (docs/design.md §3).',
});
requestSchemas.add(CaseEventSchema, {
  id: 'CaseEvent',
  description: 'A follow-up status event of a case (docs/design.md §10.2).',
});
requestSchemas.add(ComplaintEventSchema, {
  id: 'ComplaintEvent',
  description: 'One complaint or fault lifecycle event (docs/design.md §3).',
});
requestSchemas.add(ComplaintBatchSchema, {
  id: 'ComplaintBatch',
  description: 'A batch of 1–100 events, accepted or refused whole.',
});
requestSchemas.add(ComplaintWebhookBodySchema, {
  id: 'ComplaintWebhookBody',
  description: 'One event, or `{ "events": [ … ] }`: the presence of `events` decides which.',
});
requestSchemas.add(SurveyAnswersSchema, {
  id: 'SurveyAnswers',
  description: 'The survey form: form-encoded (all text) or JSON. An empty comment is none.',
});
requestSchemas.add(InboundSmsSchema, {
  id: 'InboundSms',
  description:
    'The gateway form fields this API reads; the gateway sends others (`To`, `AccountSid`…), all signed.',
});
requestSchemas.add(ReportRunSchema, {
  id: 'ReportRun',
  description: 'A report to build now: the period must be of the profile’s kind.',
});
requestSchemas.add(SubscriberCountsSchema, {
  id: 'SubscriberCounts',
  description:
    'Subscriber counts per region and service, each pair once: the denominator of per-subscriber rates.',
});

/** Answers are described as the functions send them: `io: 'output'`. */
const answerSchemas = z.registry<{ id?: string; description?: string }>();
answerSchemas.add(ProblemDetailsSchema, {
  id: 'ProblemDetails',
  description:
    'RFC 9457 problem details; `errors` holds an RFC 6901 JSON pointer per invalid field, `reason` why an invitation was suppressed.',
});
answerSchemas.add(GatewayMessageSchema, {
  id: 'GatewayMessage',
  description:
    'A refusal made by API Gateway itself before any function runs. An HTTP API cannot change this body.',
});
answerSchemas.add(InvitationViewSchema, { id: 'InvitationView' });
answerSchemas.add(CaseFollowUpSchema, { id: 'CaseFollowUp' });
answerSchemas.add(CaseOpenedWebhookSchema, {
  id: 'CaseOpenedWebhook',
  description: 'A follow-up case, as delivered to an operator endpoint (docs/design.md §10).',
});
answerSchemas.add(ReminderDueWebhookSchema, {
  id: 'ReminderDueWebhook',
  description:
    'A web invitation still unanswered when its reminder came due, with its link, as delivered to an operator endpoint (docs/design.md §10.3).',
});
answerSchemas.add(ComplaintsAcceptedSchema, { id: 'ComplaintsAccepted' });
answerSchemas.add(SurveyAnswerRecordedSchema, { id: 'SurveyAnswerRecorded' });
answerSchemas.add(ReportSummarySchema, { id: 'ReportSummary' });
answerSchemas.add(ReportListSchema, { id: 'ReportList' });
answerSchemas.add(ReportManifestSchema, {
  id: 'ReportManifest',
  description: '`manifest.json` (docs/design.md §7), whose bytes `manifest.sig` signs.',
});
answerSchemas.add(ReportDetailSchema, { id: 'ReportDetail' });
answerSchemas.add(ReportRunQueuedSchema, { id: 'ReportRunQueued' });
answerSchemas.add(SubscriberCountsStoredSchema, { id: 'SubscriberCountsStored' });
answerSchemas.add(CustomerErasedSchema, { id: 'CustomerErased' });

/** A survey score: JSON sends a number, a form its digits (`"05"` is 5). */
function scoreSchema(min: number, max: number): JsonObject {
  if (min < 0 || max > 10) throw new RangeError('a score is one or two digits, up to 10');
  const digit = `0?[${min}-${Math.min(max, 9)}]`;
  return {
    description: `A whole number from ${min} to ${max}: a JSON number, or its digits as text.`,
    anyOf: [
      { type: 'integer', minimum: min, maximum: max },
      { type: 'string', pattern: max === 10 ? `^(?:${digit}|10)$` : `^${digit}$` },
    ],
  };
}

/**
 * What a refinement checks, which zod cannot express in JSON Schema (`z.refine` has no
 * equivalent): put in place of the schema the refinement belongs to.
 */
const REFINED = new Map<unknown, JsonObject>([
  [SurveyAnswersSchema.shape.csat, scoreSchema(1, 5)],
  [SurveyAnswersSchema.shape.nps, scoreSchema(0, 10)],
  [
    ReportRunSchema.shape.period,
    {
      type: 'string',
      pattern: `^(?:previous|${PERIOD_ID_PATTERN.source.slice(1, -1)})$`,
      description:
        'A month (`2026-10`), a quarter (`2026-Q3`), a year (`2026`), or `previous`: the last complete period of the profile’s kind. A named period must not end before the deployment’s first month (`firstReportMonth`) and must be complete; otherwise 400 `validation` at `/period`.',
    },
  ],
]);

/** The components of a registry as JSON Schema 2020-12, without per-schema `$schema`/`$id`. */
function componentsOf(
  registry: typeof requestSchemas,
  io: 'input' | 'output',
): Record<string, JsonObject> {
  const { schemas } = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    io,
    metadata: registry,
    uri: (id) => `#/components/schemas/${id}`,
    override: ({ zodSchema, jsonSchema }) => {
      const refined = REFINED.get(zodSchema);
      if (!refined) return;
      for (const key of Object.keys(jsonSchema)) delete (jsonSchema as JsonObject)[key];
      Object.assign(jsonSchema, structuredClone(refined));
    },
  });
  return Object.fromEntries(
    Object.entries(schemas).map(([id, { $schema: _, $id: __, ...schema }]) => [
      id,
      schema as JsonObject,
    ]),
  );
}

/** A lone schema (a path or query parameter) as JSON Schema 2020-12. */
function inlineSchema(schema: z.ZodMiniType): JsonObject {
  const { $schema: _, ...json } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input' });
  return json as JsonObject;
}

const PATH_PARAMETERS: Record<string, { schema: z.ZodMiniType; description: string }> = {
  caseId: {
    schema: z.string().check(z.regex(/^case_[A-Za-z0-9_-]{22}$/)),
    description: 'A follow-up case, as its `case.opened` webhook named it (docs/design.md §10).',
  },
  source: {
    schema: z.string().check(z.minLength(1)),
    description:
      'The operator system sending the events; its own secret signs them (docs/design.md §4.1).',
  },
  token: {
    schema: SurveyTokenSchema,
    description:
      'The survey token from the invitation’s link: its possession is the authentication (docs/design.md §4.4). A token of another shape answers the 404 page.',
  },
  period: {
    schema: PeriodIdSchema,
    description: 'The month, quarter or year the counts are for.',
  },
  reportId: { schema: ReportIdSchema, description: 'The report, as `GET /reports` lists it.' },
  name: {
    schema: z.string().check(z.minLength(1)),
    description:
      'A file of the report as its manifest names it, such as `report.html` or `extract/responses.csv.gz`. It may contain `/`: API Gateway matches this last segment greedily (`{name+}`).',
  },
  proxy: {
    schema: z.string().check(z.minLength(1)),
    description:
      'The portal page, such as `reports`, `reports/{reportId}` or `admin/audit` (docs/design.md §4.5). API Gateway matches it greedily (`{proxy+}`); the portal answers its own friendly 404 page for any other.',
  },
  customerRef: {
    schema: opaqueId,
    description: 'The operator’s opaque customer reference (docs/design.md §3).',
  },
};

/** How a route authenticates its caller (docs/design.md §4). */
type Auth =
  | { kind: 'operator-signature' }
  | { kind: 'sms-gateway-signature' }
  | { kind: 'user-pool'; groups: readonly Group[] }
  | { kind: 'survey-token' }
  | { kind: 'portal-session' }
  | { kind: 'public' };

function securityOf(auth: Auth): JsonObject {
  switch (auth.kind) {
    case 'operator-signature':
      return { security: [{ operatorSignature: [] }] };
    case 'sms-gateway-signature':
      return { security: [{ smsGatewaySignature: [] }] };
    case 'user-pool':
      // One requirement per group: any of them will do (OpenAPI 3.1 role names).
      return {
        security: auth.groups.map((group) => ({ userPoolToken: [group] })),
        'x-cognito-groups': [...auth.groups],
      };
    case 'survey-token':
      return { security: [], 'x-authentication': 'survey token in the path' };
    case 'portal-session':
      // The sign-in pages are open; every other page wants the session cookie.
      return {
        security: [{}, { portalSession: [] }],
        'x-authentication': 'portal session cookie, opened by an OpenID Connect sign-in',
      };
    case 'public':
      return { security: [], 'x-authentication': 'none: public on purpose' };
  }
}

/** One route of the HTTP API, as `infra/stateless-stack.ts` declares it. */
interface Route {
  method: 'get' | 'put' | 'post' | 'delete';
  path: string;
  operationId: string;
  tag: string;
  summary: string;
  description: string;
  auth: Auth;
  query?: JsonObject[];
  requestBody?: JsonObject;
  responses: Record<string, JsonObject>;
}

const json = (schema: JsonObject) => ({ 'application/json': { schema } });
const html = (description: string) => ({
  description,
  content: { 'text/html': { schema: { type: 'string' } } },
});
/** A portal page's refusal, or the edge's (problem details) when sent around it. */
const htmlOrNotThroughEdge = (description: string) => ({
  description: `${description} Behind the edge, a request sent around it is refused as \`not-through-edge\` (problem details).`,
  content: {
    'text/html': { schema: { type: 'string' } },
    'application/problem+json': { schema: schemaRef('ProblemDetails') },
  },
});
const location = (description: string) => ({
  Location: { description, schema: { type: 'string', format: 'uri-reference' } },
});
const optionalQuery = (name: string, description: string, schema: JsonObject) => ({
  name,
  in: 'query',
  required: false,
  description,
  schema,
});

const ADMINS: readonly Group[] = ['admins'];
const READERS: readonly Group[] = ['regulators', 'assessors', 'admins'];

const ROUTES: readonly Route[] = [
  {
    method: 'post',
    path: '/invitations',
    operationId: 'createInvitation',
    tag: 'operator systems',
    summary: 'Create a survey invitation after a service event',
    description:
      'Answers 201 with a new invitation, or 200 with the same body when the same `eventId` comes again. Opt-out, the frequency cap and quiet hours suppress it (409); quiet hours defer an SMS instead when `deferrable`.',
    auth: { kind: 'operator-signature' },
    requestBody: { required: true, content: json(schemaRef('InvitationRequest')) },
    responses: {
      '200': {
        description: 'The invitation this `eventId` created before.',
        content: json(schemaRef('InvitationView')),
      },
      '201': { description: 'A new invitation.', content: json(schemaRef('InvitationView')) },
      '400': responseRef('ValidationProblem'),
      '401': responseRef('Unauthenticated'),
      '403': responseRef('SourceNotAllowed'),
      '409': responseRef('Suppressed'),
      '413': responseRef('PayloadTooLarge'),
      '415': responseRef('UnsupportedMediaType'),
    },
  },
  {
    method: 'post',
    path: '/cases/{caseId}/events',
    operationId: 'recordCaseEvent',
    tag: 'operator systems',
    summary: 'Report what came of a follow-up case',
    description:
      '`contacted`, `unreachable` or `resolved`, with when it happened. An `eventId` sent again is accepted and changes nothing; events may come late or out of order: the follow-up is decided by `occurredAt`.',
    auth: { kind: 'operator-signature' },
    requestBody: { required: true, content: json(schemaRef('CaseEvent')) },
    responses: {
      '202': {
        description: 'The event is recorded (or was already): the case’s follow-up.',
        content: json(schemaRef('CaseFollowUp')),
      },
      '400': responseRef('ValidationProblem'),
      '401': responseRef('Unauthenticated'),
      '403': responseRef('SourceNotAllowed'),
      '404': responseRef('NotFound'),
      '413': responseRef('PayloadTooLarge'),
      '415': responseRef('UnsupportedMediaType'),
    },
  },
  {
    method: 'post',
    path: '/webhooks/complaints/{source}',
    operationId: 'receiveComplaintEvents',
    tag: 'operator systems',
    summary: 'Receive complaint or fault lifecycle events',
    description:
      'One event or a batch of up to 100, queued whole. An `eventId` sent again is accepted and ignored; events may come late or out of order.',
    auth: { kind: 'operator-signature' },
    requestBody: { required: true, content: json(schemaRef('ComplaintWebhookBody')) },
    responses: {
      '202': {
        description: 'The events are queued.',
        content: json(schemaRef('ComplaintsAccepted')),
      },
      '400': responseRef('ValidationProblem'),
      '401': responseRef('Unauthenticated'),
      '403': responseRef('SourceNotAllowed'),
      '413': responseRef('PayloadTooLarge'),
      '415': responseRef('UnsupportedMediaType'),
      '503': responseRef('ServiceUnavailable'),
    },
  },
  {
    method: 'get',
    path: '/s/{token}',
    operationId: 'showSurvey',
    tag: 'customers',
    summary: 'The survey page',
    description:
      'Mobile-first, in the invitation’s locale, works without JavaScript. A used or expired link answers 410, an unknown one 404, with the same page and the same cost (no token oracle).',
    auth: { kind: 'survey-token' },
    query: [
      optionalQuery(
        'submitted',
        '`1` after a form submission (the 303 of POST): the thank-you page of a used link.',
        { type: 'string', enum: ['1'] },
      ),
    ],
    responses: {
      '200': html('The survey form, or the thank-you page after a submission.'),
      '403': responseRef('NotThroughEdge'),
      '404': html('The “no longer available” page: no such link.'),
      '410': html('The “no longer available” page: the link was used or has expired.'),
    },
  },
  {
    method: 'post',
    path: '/s/{token}',
    operationId: 'answerSurvey',
    tag: 'customers',
    summary: 'Submit the survey’s answers',
    description:
      'Recorded once: a second submission of a used link answers 409 and records nothing. A form is answered with pages (303 to the thank-you page, the form again with its errors); JSON with JSON.',
    auth: { kind: 'survey-token' },
    requestBody: {
      required: true,
      content: {
        'application/x-www-form-urlencoded': { schema: schemaRef('SurveyAnswers') },
        'application/json': { schema: schemaRef('SurveyAnswers') },
      },
    },
    responses: {
      '202': {
        description: 'JSON answers recorded.',
        content: json(schemaRef('SurveyAnswerRecorded')),
      },
      '303': {
        description: 'Form answers recorded: on to the thank-you page.',
        headers: location('This link with `?submitted=1`.'),
      },
      '400': {
        description:
          'Invalid answers: the form again with each error beside its field (form), or the problem (JSON).',
        content: {
          'text/html': { schema: { type: 'string' } },
          'application/problem+json': { schema: schemaRef('ProblemDetails') },
        },
      },
      '403': responseRef('NotThroughEdge'),
      '404': html('The “no longer available” page: no such link.'),
      '409': html('The “no longer available” page: the link was already answered.'),
      '410': html('The “no longer available” page: the link has expired.'),
      '413': responseRef('PayloadTooLarge'),
      '415': responseRef('UnsupportedMediaType'),
    },
  },
  {
    method: 'post',
    path: '/sms/inbound',
    operationId: 'receiveSms',
    tag: 'SMS gateway',
    summary: 'An inbound SMS from the gateway',
    description:
      'A survey answer, an opt-out keyword, START/UNSTOP or HELP; `MessageSid` makes a redelivery harmless. Answers TwiML with the reply (the next question, thanks, help, or the opt-out confirmation).',
    auth: { kind: 'sms-gateway-signature' },
    requestBody: {
      required: true,
      content: { 'application/x-www-form-urlencoded': { schema: schemaRef('InboundSms') } },
    },
    responses: {
      '200': {
        description: 'TwiML: `<Response><Message>the reply</Message></Response>`.',
        content: { 'text/xml': { schema: { type: 'string' } } },
      },
      '400': responseRef('ValidationProblem'),
      '401': responseRef('Unauthenticated'),
      '403': responseRef('NotThroughEdge'),
      '413': responseRef('PayloadTooLarge'),
    },
  },
  {
    method: 'get',
    path: '/reports',
    operationId: 'listReports',
    tag: 'reports',
    summary: 'List the reports',
    description:
      'Newest first, each period’s current edition: a report a restatement superseded (`supersededBy`) is listed only with `?editions=all`. Each report lists the files the caller’s group may download: assessors alone see `extract/*`.',
    auth: { kind: 'user-pool', groups: READERS },
    query: [
      optionalQuery(
        'editions',
        '`current` (the default): each period’s current editions; `all`: the superseded editions too. Anything else is 400 `validation` at `/editions`.',
        { type: 'string', enum: ['current', 'all'] },
      ),
      optionalQuery('profile', 'Only this profile’s reports, such as `cn-miit`.', {
        type: 'string',
      }),
      optionalQuery('period', 'Only this period’s reports.', inlineSchema(PeriodIdSchema)),
    ],
    responses: {
      '200': { description: 'The reports.', content: json(schemaRef('ReportList')) },
      '400': responseRef('ValidationProblem'),
      '403': responseRef('Forbidden'),
    },
  },
  {
    method: 'get',
    path: '/reports/{reportId}',
    operationId: 'getReport',
    tag: 'reports',
    summary: 'A report’s manifest and signature',
    description:
      'The manifest lists every file with its size and SHA-256; verify `signature` over the manifest’s bytes with `GET /reports/signing-key`.',
    auth: { kind: 'user-pool', groups: READERS },
    responses: {
      '200': { description: 'The report.', content: json(schemaRef('ReportDetail')) },
      '403': responseRef('Forbidden'),
      '404': responseRef('NotFound'),
    },
  },
  {
    method: 'get',
    path: '/reports/{reportId}/files/{name}',
    operationId: 'downloadReportFile',
    tag: 'reports',
    summary: 'Download one file of a report',
    description:
      'A redirect to a presigned S3 URL valid for at most 300 s; every download is written to the audit log first. `extract/*` is for assessors alone.',
    auth: { kind: 'user-pool', groups: READERS },
    responses: {
      '302': {
        description: 'The file, at a presigned URL.',
        headers: location('The presigned S3 URL (≤ 300 s).'),
      },
      '403': responseRef('Forbidden'),
      '404': responseRef('NotFound'),
    },
  },
  {
    method: 'get',
    path: '/reports/signing-key',
    operationId: 'getSigningKey',
    tag: 'reports',
    summary: 'The public key that verifies manifests',
    description:
      'ECDSA P-256 (PEM, SubjectPublicKeyInfo). Public on purpose: anyone may verify a report offline.',
    auth: { kind: 'public' },
    responses: {
      '200': {
        description: 'The PEM public key.',
        content: { 'application/x-pem-file': { schema: { type: 'string' } } },
      },
    },
  },
  {
    method: 'post',
    path: '/reports/runs',
    operationId: 'runReport',
    tag: 'administration',
    summary: 'Build a report now',
    description:
      'Queued for the report builder; the report then appears in `GET /reports`. The same data gives the same figures.',
    auth: { kind: 'user-pool', groups: ADMINS },
    requestBody: { required: true, content: json(schemaRef('ReportRun')) },
    responses: {
      '202': { description: 'The run is queued.', content: json(schemaRef('ReportRunQueued')) },
      '400': responseRef('ValidationProblem'),
      '403': responseRef('Forbidden'),
      '413': responseRef('PayloadTooLarge'),
      '415': responseRef('UnsupportedMediaType'),
    },
  },
  {
    method: 'put',
    path: '/reference/subscribers/{period}',
    operationId: 'putSubscriberCounts',
    tag: 'administration',
    summary: 'Store subscriber counts for a period',
    description:
      'The denominator of per-million rates, validated whole and stored as a new version. A report for period P divides by the record for P, else by the mean of the months inside P.',
    auth: { kind: 'user-pool', groups: ADMINS },
    requestBody: {
      required: true,
      content: {
        'application/json': { schema: schemaRef('SubscriberCounts') },
        'text/csv': {
          schema: {
            type: 'string',
            description:
              'RFC 4180 with the header `region,service,subscribers`, a row per pair; a BOM and CRLF are accepted. Row n is reported as `/counts/{n-1}`, as in JSON.',
          },
          example: 'region,service,subscribers\nGD-SZ,mobile_data,1200000\n',
        },
      },
    },
    responses: {
      '200': {
        description: 'The counts are stored.',
        content: json(schemaRef('SubscriberCountsStored')),
      },
      '400': responseRef('ValidationProblem'),
      '403': responseRef('Forbidden'),
      '413': responseRef('PayloadTooLarge'),
      '415': responseRef('UnsupportedMediaType'),
    },
  },
  {
    method: 'delete',
    path: '/customers/{customerRef}',
    operationId: 'eraseCustomer',
    tag: 'administration',
    summary: 'Erase a customer’s personal data',
    description:
      'The right to be forgotten: every item that identifies the customer. Aggregates and reports are anonymous and stay. Running it again is harmless.',
    auth: { kind: 'user-pool', groups: ADMINS },
    responses: {
      '202': {
        description: 'Erased: what was removed or made anonymous.',
        content: json(schemaRef('CustomerErased')),
      },
      '400': responseRef('ValidationProblem'),
      '403': responseRef('Forbidden'),
    },
  },
  {
    method: 'get',
    path: '/portal',
    operationId: 'portalFrontPage',
    tag: 'portal',
    summary: 'The portal’s front page',
    description:
      'The sign-in button for people not signed in, in the language of `Accept-Language` (zh-CN by default) or of the language switch; people signed in go on to their reports (303).',
    auth: { kind: 'portal-session' },
    responses: {
      '200': html('The front page with the sign-in button.'),
      '303': {
        description: 'Signed in already: on to the reports.',
        headers: location('`/portal/reports`.'),
      },
      '403': responseRef('NotThroughEdge'),
    },
  },
  {
    method: 'get',
    path: '/portal/{proxy}',
    operationId: 'portalPage',
    tag: 'portal',
    summary: 'A page of the portal',
    description: [
      'Open to anyone: `sign-in` (302 to the user pool’s managed login, with PKCE, `state` and `nonce`), `callback` (where the user pool sends the browser back; opens the session), `signed-out`, `language?to=en|zh-CN`.',
      'Signed in: `reports` (newest first, `?profile=` and `?period=`), `reports/{reportId}`, `reports/{reportId}/files/{name}` (302 to a 300-second presigned link, audited as the API’s own downloads; extract files for assessors only), and for admins `admin` and `admin/audit`.',
      'Without a session a signed-in page answers 303 to the front page. Refusals are pages, not JSON: 403, 404 and 400 name the problem type of the API’s own answer.',
    ].join('\n\n'),
    auth: { kind: 'portal-session' },
    responses: {
      '200': html('The page.'),
      '302': {
        description: 'On to the user pool’s sign-in, or to a file’s presigned download link.',
        headers: location('The user pool’s authorization endpoint, or the presigned link.'),
      },
      '303': {
        description:
          'No session (or it ended): to the front page; after the sign-in: to the reports.',
        headers: location('A page of the portal.'),
      },
      '400': html('The sign-in could not be finished (a replayed, forged or expired callback).'),
      '403': htmlOrNotThroughEdge(
        'Not for this person’s group (an extract for a regulator, the admin pages).',
      ),
      '404': html('No such page or report.'),
    },
  },
  {
    method: 'post',
    path: '/portal/{proxy}',
    operationId: 'portalForm',
    tag: 'portal',
    summary: 'A form of the portal',
    description:
      'Admins: `admin/runs` (profile, period), `admin/subscribers` (period and a CSV file or text), `admin/people` (invite: e-mail, group) and `admin/people/remove`. Everyone signed in: `sign-out` (ends the session here and at the user pool, and revokes the refresh token). Each form carries the session’s CSRF token in `csrf`; without it nothing changes (403).',
    auth: { kind: 'portal-session' },
    requestBody: {
      required: true,
      content: {
        'application/x-www-form-urlencoded': { schema: { type: 'object' } },
        'multipart/form-data': { schema: { type: 'object' } },
      },
    },
    responses: {
      '303': {
        description:
          'Done: back to the admin page with what was done, or, after sign-out, on to the user pool’s sign-out and then `/portal/signed-out`.',
        headers: location('The next page.'),
      },
      '400': html('The admin page again, with each error beside its field; nothing changed.'),
      '403': htmlOrNotThroughEdge('No CSRF token, or not an admin; nothing changed.'),
      '404': html('No such form.'),
      '413': responseRef('PayloadTooLarge'),
      '415': responseRef('UnsupportedMediaType'),
    },
  },
];

/** The problem types our functions answer, with a real instance of each as the example. */
const PROBLEMS: Record<string, { problem: ProblemDetails; when: string }> = {
  ValidationProblem: {
    problem: new ValidationError('The body is not a valid complaint event or batch.', [
      { pointer: '/events/1/occurredAt', detail: 'is required' },
    ]).problem,
    when: 'The body, or a path parameter, is not valid; `errors` points at each invalid field.',
  },
  Unauthenticated: {
    problem: new UnauthenticatedError().problem,
    when: 'The signature is missing, malformed, expired or wrong; nothing was recorded.',
  },
  Forbidden: {
    problem: new ForbiddenError(ADMINS).problem,
    when: 'Signed in, but not in a group that may do this.',
  },
  NotThroughEdge: {
    problem: new NotThroughEdgeError().problem,
    when: "A public route (survey pages, the SMS webhook, the portal) called at the HTTP API's own URL when the deployment serves it behind its edge (`edge`), around the web ACL.",
  },
  SourceNotAllowed: {
    problem: new SourceNotAllowedError().problem,
    when: "The caller's address is outside the operator's networks (`operatorSourceCidrs`), when the deployment names them.",
  },
  NotFound: {
    problem: new NotFoundError('There is no report 20261101T020000Z-0a1b2c3d.').problem,
    when: 'No such report, or no such file in it.',
  },
  Suppressed: {
    problem: new SuppressedError('opted_out').problem,
    when: 'Policy forbids the invitation now; `reason` says which.',
  },
  PayloadTooLarge: {
    problem: new PayloadTooLargeError(MAX_BODY_BYTES).problem,
    when: 'The body is over 64 KiB.',
  },
  UnsupportedMediaType: {
    problem: new UnsupportedMediaTypeError('application/json').problem,
    when: 'The body’s media type is not one the route accepts.',
  },
  ServiceUnavailable: {
    problem: new ServiceUnavailableError('The events could not be queued; retry the request.')
      .problem,
    when: 'A dependency failed; retrying with the same event ids is safe.',
  },
  InternalError: {
    problem: internalErrorProblem,
    when: 'Anything unexpected; the answer reveals nothing internal.',
  },
};

const problemResponse = ({ problem, when }: { problem: ProblemDetails; when: string }) => ({
  description: `${when} Problem type \`${problem.type}\`.`,
  content: {
    'application/problem+json': {
      schema: schemaRef('ProblemDetails'),
      example: problem as unknown as JsonObject,
    },
  },
});

const gatewayResponse = (message: string, when: string) => ({
  description: `${when} API Gateway's own body, which the functions cannot change.`,
  content: {
    'application/json': { schema: schemaRef('GatewayMessage'), example: { message } },
  },
});

const RESPONSES: Record<string, JsonObject> = {
  ...Object.fromEntries(
    Object.entries(PROBLEMS).map(([id, entry]) => [id, problemResponse(entry)]),
  ),
  GatewayUnauthorized: {
    description:
      "No valid user pool token: API Gateway's JWT authorizer refuses with its own body, which the functions cannot change. A function that gets no verified identity answers the problem instead.",
    content: {
      'application/json': {
        schema: schemaRef('GatewayMessage'),
        example: { message: 'Unauthorized' },
      },
      'application/problem+json': {
        schema: schemaRef('ProblemDetails'),
        example: new SignInRequiredError().problem as unknown as JsonObject,
      },
    },
  },
  GatewayThrottled: gatewayResponse(
    'Too Many Requests',
    'Over the stage’s throttle (500 requests/s, bursts of 1,000).',
  ),
  GatewayNotFound: gatewayResponse(
    'Not Found',
    'A route this document does not list (any other method or path).',
  ),
};

const PATH_PARAMETER = /\{([^}+]+)\+?\}/g;

function operationOf(route: Route): JsonObject {
  const parameters = [...route.path.matchAll(PATH_PARAMETER)].map(([, name = '']) => {
    const parameter = PATH_PARAMETERS[name];
    if (!parameter) throw new Error(`no schema for the path parameter ${name} of ${route.path}`);
    return {
      name,
      in: 'path',
      required: true,
      description: parameter.description,
      schema: inlineSchema(parameter.schema),
    };
  });
  return {
    operationId: route.operationId,
    tags: [route.tag],
    summary: route.summary,
    description: route.description,
    ...securityOf(route.auth),
    ...(parameters.length || route.query
      ? { parameters: [...parameters, ...(route.query ?? [])] }
      : {}),
    ...(route.requestBody ? { requestBody: route.requestBody } : {}),
    responses: sorted(
      Object.entries({
        ...route.responses,
        ...(route.auth.kind === 'user-pool' ? { '401': responseRef('GatewayUnauthorized') } : {}),
        '429': responseRef('GatewayThrottled'),
        '500': responseRef('InternalError'),
      }),
    ),
  };
}

const METHOD_ORDER = ['get', 'put', 'post', 'delete'] as const;

/** Sorts an object's keys, so that an addition lands in one place in the diff. */
const sorted = <T>(entries: [string, T][]) =>
  Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

function pathsOf(routes: readonly Route[]): JsonObject {
  const byPath = new Map<string, Route[]>();
  for (const route of routes) byPath.set(route.path, [...(byPath.get(route.path) ?? []), route]);
  return sorted(
    [...byPath].map(([path, pathRoutes]): [string, JsonObject] => [
      path,
      Object.fromEntries(
        METHOD_ORDER.flatMap((method) =>
          pathRoutes
            .filter((route) => route.method === method)
            .map((route) => [method, operationOf(route)]),
        ),
      ),
    ]),
  );
}

/**
 * The OpenAPI 3.1 document of the whole HTTP API (docs/design.md §3, §4): every route, its
 * authentication, request schemas and answers, generated from the zod schemas.
 */
export function buildOpenApiDocument(): JsonObject {
  return {
    openapi: '3.1.1',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'Telecom service-quality pipeline',
      version: '1.0.0',
      summary: 'Survey invitations, complaint events, survey answers, SMS replies and reports.',
      description: [
        'The HTTP API contract v1 (docs/design.md §3, §4), generated from the zod schemas the functions validate with (`npm run openapi`).',
        '',
        'Every refusal our functions make is RFC 9457 `application/problem+json` with `type`, `title`, `status`, `detail`, and `errors[]` holding an RFC 6901 JSON pointer per invalid field. A refused request changes nothing. Bodies over 64 KiB are refused (413).',
        '',
        'API Gateway refuses some requests itself, before any function runs, with its own `{"message": …}` body that an HTTP API cannot change: 401 `Unauthorized` from the JWT authorizer, 429 `Too Many Requests` from throttling, and 404 `Not Found` for a route this document does not list (components `GatewayUnauthorized`, `GatewayThrottled`, `GatewayNotFound`).',
      ].join('\n'),
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [
      {
        url: 'http://127.0.0.1:{port}',
        description: 'The local sandbox (`npm start`).',
        variables: { port: { default: '3000', description: '`SANDBOX_PORT`' } },
      },
      {
        url: '{apiUrl}',
        description:
          'A deployment: the stateless stack’s `ApiUrl` output, or its public base URL where one is set.',
        variables: { apiUrl: { default: 'https://api.example.com' } },
      },
    ],
    tags: [
      { name: 'operator systems', description: 'CRM, ticketing, stores, field repair.' },
      { name: 'customers', description: 'The survey page, reached by the invitation’s link.' },
      { name: 'SMS gateway', description: 'Two-way SMS from a Twilio-compatible gateway.' },
      { name: 'reports', description: 'For regulators, assessors and admins.' },
      { name: 'administration', description: 'For admins.' },
      {
        name: 'portal',
        description: 'Server-rendered pages for regulators, assessors and admins, in a browser.',
      },
    ],
    paths: pathsOf(ROUTES),
    webhooks: {
      'case.opened': signedWebhook({
        operationId: 'caseOpened',
        summary: 'A follow-up case, delivered to the operator’s endpoint',
        description:
          'Sent to each configured endpoint that takes `case.opened`, signed per Standard Webhooks; a 2xx answer delivers it, anything else is retried with backoff for more than 24 hours, except a 4xx other than 408 and 429, which is final (docs/design.md §10.1).',
        schema: 'CaseOpenedWebhook',
      }),
      'invitation.reminder_due': signedWebhook({
        operationId: 'invitationReminderDue',
        summary: 'A web invitation’s reminder came due: the operator reminds the customer',
        description:
          'Sent once per invitation to each configured endpoint that takes `invitation.reminder_due`, when a web link is still unanswered `reminderAfterDays` after it was made; signed, retried and final as `case.opened` is; not attempted once the link is answered or expired (docs/design.md §10.3).',
        schema: 'ReminderDueWebhook',
      }),
    },
    components: {
      schemas: sorted(
        Object.entries({
          ...componentsOf(requestSchemas, 'input'),
          ...componentsOf(answerSchemas, 'output'),
        }),
      ),
      responses: sorted(Object.entries(RESPONSES)),
      securitySchemes: {
        operatorSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Signature',
          description:
            '`t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + raw body)>`, within 300 s; each source has its own secret, and `v1=` may appear twice while a secret rotates (docs/design.md §4.1).',
        },
        smsGatewaySignature: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Twilio-Signature',
          description:
            'Base64 HMAC-SHA1, keyed with the gateway’s auth token, of the public URL of `/sms/inbound` followed by every POST parameter sorted by name as name+value (docs/design.md §4.2).',
        },
        portalSession: {
          type: 'apiKey',
          in: 'cookie',
          name: '__Host-tsq-session',
          description:
            'The portal’s server-side session (30 minutes idle, 8 hours at most), opened by an OpenID Connect authorization-code sign-in to the user pool with MFA; every form that changes something also carries the session’s CSRF token (docs/design.md §4.5).',
        },
        userPoolToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'A token of the Cognito user pool (MFA required), checked by API Gateway’s JWT authorizer; the function checks the group again. Each operation’s requirements name the groups, any one of which may call it (also in `x-cognito-groups`) (docs/design.md §4.3).',
        },
      },
    },
  };
}

/** The document as `docs/openapi.json` holds it: two-space JSON ending with a newline. */
export function serializeOpenApiDocument(document: JsonObject): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** A Standard Webhooks message we send to operator endpoints (docs/design.md §10.1). */
function signedWebhook(options: {
  operationId: string;
  summary: string;
  description: string;
  schema: string;
}): Json {
  return {
    post: {
      operationId: options.operationId,
      summary: options.summary,
      description: options.description,
      parameters: [
        {
          name: 'webhook-id',
          in: 'header',
          required: true,
          description: 'The message id, the same on every retry: take it once.',
          schema: { type: 'string' },
        },
        {
          name: 'webhook-timestamp',
          in: 'header',
          required: true,
          description: 'Unix seconds of the attempt.',
          schema: { type: 'string', pattern: '^\\d+$' },
        },
        {
          name: 'webhook-signature',
          in: 'header',
          required: true,
          description:
            'Space-separated `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, one per active secret of the endpoint (two during a rotation).',
          schema: { type: 'string' },
        },
      ],
      requestBody: { required: true, content: json(schemaRef(options.schema)) },
      responses: {
        '2XX': { description: 'Delivered.' },
        '4XX': { description: 'Final (408 and 429 are retried).' },
        '5XX': { description: 'Retried.' },
      },
    },
  };
}
