import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '#sandbox/sandbox.ts';
import {
  deriveSurveyKey,
  hashSurveyToken,
  invitationIdFor,
  surveyTokenFor,
} from '#shared/domain/survey-token.ts';
import {
  directSurveysTable,
  linkKeyOf,
  postInvitation,
  startTestSandbox,
} from '../support/sandbox.ts';

let sandbox: Sandbox;
let documents: DynamoDBDocumentClient;
let tableName: string;

beforeAll(async () => {
  sandbox = await startTestSandbox();
  ({ documents, tableName } = directSurveysTable(sandbox));
});

afterAll(async () => {
  await sandbox?.stop();
});

/** A web invitation created through the API; answers its survey URL. */
async function invite(
  locale: 'zh-CN' | 'en' = 'zh-CN',
  touchpoint: 'store' | 'field_repair' = 'store',
) {
  const { status, json } = await postInvitation(sandbox, { locale, touchpoint });
  expect(status).toBe(201);
  // The sandbox serves the API where the link points.
  expect(json.surveyUrl.startsWith(`${sandbox.outputs.apiUrl}/s/`)).toBe(true);
  return { surveyUrl: json.surveyUrl, invitationId: json.invitationId };
}

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
  redirect: 'manual' as const,
});

describe('the web survey', () => {
  it('serves the form in the invitation locale with strict security headers and no script', async () => {
    const { surveyUrl } = await invite('zh-CN', 'field_repair');

    const response = await fetch(surveyUrl);
    const page = await response.text();

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toMatch(
      /default-src 'none'.*style-src 'sha256-/,
    );
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(page).toContain('<html lang="zh-CN">');
    expect(page).toContain('您对本次上门维修服务的满意程度如何？');
    expect(page).toMatch(/<form method="post" action="\/s\/[A-Za-z0-9_-]{43}"/);
    expect(page.match(/name="csat"/g)).toHaveLength(5);
    expect(page.match(/name="nps"/g)).toHaveLength(11);
    expect(page).not.toContain('<script');
  });

  it('records a form answer once, then thanks; a second submit is 409 and records nothing', async () => {
    const { surveyUrl } = await invite('en');

    const submitted = await fetch(
      surveyUrl,
      form({ csat: '4', nps: '9', comment: 'Quick and kind.' }),
    );
    const thanks = await fetch(new URL(submitted.headers.get('location') ?? '', surveyUrl));
    const again = await fetch(surveyUrl, form({ csat: '1', nps: '0' }));
    const revisit = await fetch(surveyUrl);

    expect(submitted.status).toBe(303);
    expect(thanks.status).toBe(200);
    expect(await thanks.text()).toContain('Thank you for your feedback');
    expect(again.status).toBe(409);
    expect(revisit.status).toBe(410);
    const { Item } = await documents.send(
      new GetCommand({
        TableName: tableName,
        Key: linkKeyOf(surveyUrl),
      }),
    );
    expect(Item).toMatchObject({
      csat: 4,
      nps: 9,
      comment: 'Quick and kind.',
      answeredBy: 'web',
      region: 'GD-SZ',
    });
  });

  it('accepts JSON answers with 202', async () => {
    const { surveyUrl } = await invite();

    const response = await fetch(surveyUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ csat: 5, nps: 10 }),
    });

    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ status: 'recorded' });
  });

  it('shows the form again with the errors, in the invitation locale, and records nothing', async () => {
    const { surveyUrl } = await invite('zh-CN');

    const response = await fetch(surveyUrl, form({ csat: '7', comment: '信号差' }));
    const page = await response.text();

    expect(response.status).toBe(400);
    expect(page).toContain('role="alert"');
    expect(page).toContain('请检查以下问题');
    expect(page).toContain('信号差');
    const { Item } = await documents.send(
      new GetCommand({
        TableName: tableName,
        Key: linkKeyOf(surveyUrl),
      }),
    );
    expect(Item).toBeDefined();
    expect(Item).not.toHaveProperty('answeredAt');
    expect(Item).not.toHaveProperty('csat');
  });

  it('answers unknown, used and expired links with one page, after the same work, telling them apart by nothing', async () => {
    // Prepare: a used link, an expired one and one that never existed.
    const used = await invite();
    await fetch(used.surveyUrl, form({ csat: '3', nps: '5' }));
    const unrelated = 'unrelated-key-for-this-test-only';
    const expiredId = invitationIdFor(
      deriveSurveyKey('invitation-id', unrelated),
      'crm',
      'expired-event',
    );
    const expiredToken = surveyTokenFor(deriveSurveyKey('survey-token', unrelated), expiredId);
    await documents.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          pk: `TOKEN#${hashSurveyToken(expiredToken)}`,
          sk: 'TOKEN',
          invitationId: expiredId,
          linkExpiresAt: '2026-01-01T00:00:00.000Z',
          locale: 'en',
          touchpoint: 'store',
          surveyVersion: 1,
          channel: 'web',
          region: 'BJ',
          service: 'iptv',
        },
      }),
    );
    const another = 'another-unrelated-test-key';
    const unknownToken = surveyTokenFor(
      deriveSurveyKey('survey-token', another),
      invitationIdFor(deriveSurveyKey('invitation-id', another), 'crm', 'unknown-event'),
    );
    const base = `${sandbox.outputs.apiUrl}/s/`;

    // Same timing, shown without a clock: each page costs the same work, one table read.
    const reads = () =>
      [...sandbox.app.proxy.counts]
        .filter(([operation]) =>
          /^DynamoDB_\d+\.(GetItem|BatchGetItem|Query|Scan)$/.test(operation),
        )
        .map(([operation, { calls }]) => [operation, calls] as const);
    const pages = [];
    for (const url of [
      used.surveyUrl,
      base + expiredToken,
      base + unknownToken,
      `${base}not-a-token`,
    ]) {
      const before = new Map(reads());
      const response = await fetch(url);
      const body = await response.text();
      const made = reads()
        .map(([operation, calls]) => [operation, calls - (before.get(operation) ?? 0)] as const)
        .filter(([, calls]) => calls > 0);
      pages.push({ status: response.status, body, reads: made });
    }

    expect(pages.map((page) => page.status)).toEqual([410, 410, 404, 404]);
    expect(new Set(pages.map((page) => page.body)).size).toBe(1);
    expect(pages[0]?.body).toContain('This survey link is no longer available');
    for (const page of pages) expect(page.reads).toEqual([['DynamoDB_20120810.GetItem', 1]]);
  });
});
