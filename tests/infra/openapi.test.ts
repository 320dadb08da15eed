import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { beforeAll, describe, expect, expectTypeOf, inject, it } from 'vitest';
import type * as z from 'zod/mini';
import { FUNCTION_AUTHENTICATED_ROUTES, PUBLIC_ROUTES } from '#infra/constructs/service-api.ts';
import type { ErasureSummary } from '#shared/adapters/dynamodb/erasure.ts';
import type { SuppressionReason } from '#shared/domain/contact-policy.ts';
import type { InvitationView } from '#shared/domain/invitation.ts';
import { ReportRunSchema } from '#shared/domain/report-run.ts';
import { SurveyAnswersSchema } from '#shared/domain/survey-response.ts';
import {
  buildOpenApiDocument,
  type Json,
  serializeOpenApiDocument,
} from '#shared/http/openapi/document.ts';
import {
  type CustomerErasedSchema,
  type InvitationViewSchema,
  PeriodIdSchema,
  type ProblemDetailsSchema,
} from '#shared/http/openapi/schemas.ts';
import type { ProblemDetails } from '#shared/http/problem.ts';
import { MAX_BODY_BYTES } from '#shared/http/request-body.ts';
import { isPeriodId } from '#shared/indicators/periods.ts';
import {
  documentValidator,
  eventSamples,
  type HttpSample,
  markdownSamples,
  OPENAPI_DOCUMENT_ID,
  repositoryMarkdownSamples,
  requestBodyValidator,
} from '../support/openapi-samples.ts';

type JsonObject = { [key: string]: Json };
const root = process.cwd();
const document = buildOpenApiDocument();

/** Every operation of the document as "METHOD /path", with the operation. */
function operationsOf(openapi: JsonObject): Map<string, JsonObject> {
  const operations = new Map<string, JsonObject>();
  for (const [path, item] of Object.entries(openapi.paths as JsonObject)) {
    for (const [method, operation] of Object.entries(item as JsonObject)) {
      operations.set(`${method.toUpperCase()} ${path}`, operation as JsonObject);
    }
  }
  return operations;
}

/** A component schema compiled for validation, its `$ref`s resolved in the document. */
function componentValidator(name: string) {
  return documentValidator(document).compile({
    $ref: `${OPENAPI_DOCUMENT_ID}#/components/schemas/${name}`,
  });
}

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1, with schemas that are valid JSON Schema 2020-12', async () => {
    const result = await new Validator().validate(structuredClone(document));
    expect(result).toEqual({ valid: true });
    expect(document.openapi).toMatch(/^3\.1\.\d+$/);
    // The OpenAPI schema leaves Schema Objects unchecked: compile each against 2020-12.
    const schemas = Object.keys((document.components as JsonObject).schemas as JsonObject);
    expect(schemas.length).toBeGreaterThan(10);
    for (const name of schemas) expect(() => componentValidator(name), name).not.toThrow();
  });

  it('is reported invalid when an operation is broken', async () => {
    const broken = structuredClone(document);
    const operation = operationsOf(broken).get('DELETE /customers/{customerRef}');
    const [parameter] = (operation?.parameters ?? []) as JsonObject[];
    if (!parameter) throw new Error('the erasure route has lost its path parameter');
    parameter.in = 'body';
    expect((await new Validator().validate(broken)).valid).toBe(false);

    const dangling = structuredClone(document);
    const invitation = operationsOf(dangling).get('POST /invitations');
    if (!invitation) throw new Error('no POST /invitations');
    invitation.requestBody = { $ref: '#/components/requestBodies/Missing' };
    expect((await new Validator().validate(dangling)).valid).toBe(false);
  });

  it('declares every path parameter of each route, and no other', () => {
    for (const [key, operation] of operationsOf(document)) {
      const inPath = [...key.matchAll(/\{([^}]+)\}/g)].map(([, name]) => name);
      const declared = ((operation.parameters ?? []) as JsonObject[])
        .filter((parameter) => parameter.in === 'path')
        .map((parameter) => parameter.name);
      expect(declared, key).toEqual(inPath);
    }
    const ids = [...operationsOf(document).values()].map((operation) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('equals docs/openapi.json byte for byte (run `npm run openapi` after a change)', () => {
    const committed = readFileSync(join(root, 'docs', 'openapi.json'), 'utf8');
    expect(committed === serializeOpenApiDocument(buildOpenApiDocument())).toBe(true);
    expect(committed.endsWith('}\n')).toBe(true);
  });

  it('gives the body limit the functions enforce', () => {
    const responses = (document.components as JsonObject).responses as JsonObject;
    expect(JSON.stringify(responses.PayloadTooLarge)).toContain(`${MAX_BODY_BYTES} bytes`);
  });
});

describe('the OpenAPI document against the synthesized HTTP API', () => {
  let routes: { key: string; authorizationType: string }[];

  beforeAll(() => {
    expect(inject('synthesisError')).toBe('');
    const template = JSON.parse(
      readFileSync(join(inject('assemblyDirectory'), 'Tsq-dev-Stateless.template.json'), 'utf8'),
    ) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
    routes = Object.values(template.Resources)
      .filter((resource) => resource.Type === 'AWS::ApiGatewayV2::Route')
      .map((route) => ({
        key: String(route.Properties.RouteKey),
        authorizationType: String(route.Properties.AuthorizationType ?? 'NONE'),
      }));
  });

  it('lists every route of the API and nothing else', () => {
    // API Gateway's greedy `{name+}` is OpenAPI's `{name}` (the parameter says it holds `/`).
    const deployed = routes.map(({ key }) => key.replace(/\{(\w+)\+\}/g, '{$1}')).sort();
    expect(deployed.length).toBeGreaterThanOrEqual(12);
    expect([...operationsOf(document).keys()].sort()).toEqual(deployed);
  });

  it('gives each route the authentication the API applies', () => {
    const operations = operationsOf(document);
    for (const { key, authorizationType } of routes) {
      const operation = operations.get(key.replace(/\{(\w+)\+\}/g, '{$1}'));
      const schemes = ((operation?.security ?? []) as JsonObject[]).flatMap(Object.keys);
      if (authorizationType === 'JWT') {
        expect(new Set(schemes), key).toEqual(new Set(['userPoolToken']));
        expect(operation?.['x-cognito-groups'], key).toEqual(expect.any(Array));
        expect(operation?.responses, key).toHaveProperty('401');
      } else if ((PUBLIC_ROUTES as readonly string[]).includes(key)) {
        expect(schemes, key).toEqual([]);
        expect(operation?.['x-authentication'], key).toMatch(/^none/);
      } else if (/^(GET|POST) \/portal\b/.test(key)) {
        // Open sign-in pages and session pages behind one proxy route: the cookie is optional.
        expect(FUNCTION_AUTHENTICATED_ROUTES as readonly string[]).toContain(key);
        expect(schemes, key).toEqual(['portalSession']);
        expect(operation?.security, key).toContainEqual({});
        expect(operation?.['x-authentication'], key).toMatch(/session/);
      } else if (key.includes('{token}')) {
        expect(FUNCTION_AUTHENTICATED_ROUTES as readonly string[]).toContain(key);
        expect(schemes, key).toEqual([]);
        expect(operation?.['x-authentication'], key).toMatch(/token/);
      } else {
        expect(FUNCTION_AUTHENTICATED_ROUTES as readonly string[]).toContain(key);
        expect(schemes, key).toEqual([expect.stringMatching(/Signature$/)]);
        expect(operation?.responses, key).toHaveProperty('401');
      }
    }
  });
});

describe('the request schemas of the OpenAPI document', () => {
  const errorsOf = requestBodyValidator(document);

  it('accept the sample request bodies in events/', () => {
    const samples = eventSamples(root);
    expect(samples.map((sample) => sample.source)).toContain('events/complaint-webhook.apigw.json');
    expect(
      samples.flatMap((sample) => errorsOf(sample).map((e) => `${sample.source}: ${e}`)),
    ).toEqual([]);
  });

  it('accept every sample marked in README.md and docs/', () => {
    const { files, samples, problems } = repositoryMarkdownSamples(root);
    expect(files).toContain('docs/design.md');
    expect(problems).toEqual([]);
    expect(
      samples.flatMap((sample) => errorsOf(sample).map((e) => `${sample.source}: ${e}`)),
    ).toEqual([]);
  });

  it('refuse a broken sample, and name the field', () => {
    const [sample] = eventSamples(root).filter((found) => found.source.includes('complaint'));
    if (!sample) throw new Error('no complaint webhook sample in events/');
    const body = JSON.parse(sample.body) as { events: Record<string, unknown>[] };
    delete body.events[1]?.occurredAt;
    expect(errorsOf({ ...sample, body: JSON.stringify(body) })).toContain(
      "/events/1 must have required property 'occurredAt'",
    );
  });
});

describe('the sample markers in Markdown', () => {
  const markdown = [
    '# Example',
    '<!-- sample: POST /reports/runs -->',
    '```json',
    '{ "profile": "baseline", "period": "2026-13" }',
    '```',
    '',
    '<!-- sample: POST /s/{token} -->',
    '```sh',
    "body='csat=5&nps=9'",
    'curl "$API_URL/s/$TOKEN" -H \'content-type: application/x-www-form-urlencoded\' --data "$body"',
    '```',
    '<!-- sample: POST /invitations -->',
    '',
    '```json',
    '{}',
    '```',
  ].join('\n');

  it('finds json and sh samples, with their media types, and flags a marker without a block', () => {
    const { samples, problems } = markdownSamples(markdown, 'example.md');
    expect(samples).toEqual<HttpSample[]>([
      {
        source: 'example.md:2',
        method: 'POST',
        path: '/reports/runs',
        mediaType: 'application/json',
        body: '{ "profile": "baseline", "period": "2026-13" }',
      },
      {
        source: 'example.md:7',
        method: 'POST',
        path: '/s/{token}',
        mediaType: 'application/x-www-form-urlencoded',
        body: 'csat=5&nps=9',
      },
    ]);
    expect(problems).toEqual(['example.md:12: the marker is not followed by a fenced code block']);
  });

  it('reports a marked sample that the document refuses', () => {
    const errorsOf = requestBodyValidator(document);
    const [run, survey] = markdownSamples(markdown, 'example.md').samples;
    if (!run || !survey) throw new Error('the samples were not found');
    expect(errorsOf(run)).toHaveLength(1);
    expect(errorsOf(run)[0]).toMatch(/^\/period must match pattern/);
    expect(errorsOf(survey)).toEqual([]);
    expect(errorsOf({ ...survey, path: '/s/x/y' })).toEqual([
      'no operation POST /s/x/y in the document',
    ]);
    expect(errorsOf({ ...survey, mediaType: 'text/csv' })).toEqual([
      'POST /s/{token} takes no text/csv body',
    ]);
  });
});

/** The document's schema for a component, as a predicate. */
const accepts = (name: string) => {
  const validate = componentValidator(name);
  return (value: unknown) => validate(value) === true;
};

describe('the refinements the document spells out', () => {
  it('accept exactly the survey scores the form parser accepts', () => {
    const documentAccepts = accepts('SurveyAnswers');
    const candidates: unknown[] = [
      -1,
      0,
      1,
      2.5,
      5,
      6,
      10,
      11,
      '0',
      '1',
      '05',
      '5',
      '6',
      '10',
      '11',
      '005',
      'a',
      '',
      ' 5',
    ];
    for (const score of candidates) {
      for (const answers of [
        { csat: score, nps: 7 },
        { csat: 4, nps: score },
      ]) {
        expect(documentAccepts(answers), JSON.stringify(answers)).toBe(
          SurveyAnswersSchema.safeParse(answers).success,
        );
      }
    }
  });

  it('accept exactly the report run periods and period ids the code accepts', () => {
    const documentAccepts = accepts('ReportRun');
    const periods = [
      '2026',
      '2026-10',
      '2026-Q3',
      'previous',
      '2026-13',
      '2026-Q5',
      '2026-00',
      '1969',
      '1970-01',
      '26-Q1',
      'Previous',
      '2026-q3',
      '2026-10 ',
    ];
    for (const period of periods) {
      const run = { profile: 'baseline', period };
      expect(documentAccepts(run), period).toBe(ReportRunSchema.safeParse(run).success);
      if (period !== 'previous') {
        expect(PeriodIdSchema.safeParse(period).success, period).toBe(isPeriodId(period));
      }
    }
  });
});

describe('the answer schemas of the OpenAPI document', () => {
  // Checked by the type checker (`npm test` runs it first): a drift fails `tsc`.
  it('have the shapes the handlers answer with', () => {
    expectTypeOf<z.output<typeof InvitationViewSchema>>().toEqualTypeOf<InvitationView>();
    expectTypeOf<
      Omit<z.output<typeof CustomerErasedSchema>, 'status'>
    >().toEqualTypeOf<ErasureSummary>();
    expectTypeOf<z.output<typeof ProblemDetailsSchema>>().toExtend<ProblemDetails>();
    expectTypeOf<keyof z.output<typeof ProblemDetailsSchema>>().toEqualTypeOf<
      keyof ProblemDetails
    >();
    expectTypeOf<
      NonNullable<z.output<typeof ProblemDetailsSchema>['reason']>
    >().toEqualTypeOf<SuppressionReason>();
  });
});
