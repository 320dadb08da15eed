import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type LocalApp, startLocalApp } from '#sandbox/local-app.ts';
import { isWholeOperator } from '#shared/indicators/catalogue.ts';

let app: LocalApp;

beforeAll(async () => {
  app = await startLocalApp({ assemblyDirectory: inject('assemblyDirectory') });
});

afterAll(async () => {
  await app?.stop();
});

/** PUT /reference/subscribers/{period} as API Gateway hands it on after the JWT authorizer. */
function upload(options: {
  period: string;
  body: string;
  contentType: string;
  groups?: string;
}): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'PUT /reference/subscribers/{period}',
    rawPath: `/reference/subscribers/${options.period}`,
    rawQueryString: '',
    headers: { 'content-type': options.contentType },
    pathParameters: { period: options.period },
    requestContext: {
      http: { method: 'PUT', path: `/reference/subscribers/${options.period}` },
      // API Gateway passes the groups array claim as the text "[a b]".
      authorizer: {
        jwt: { claims: { sub: 'admin-sub-1', 'cognito:groups': options.groups ?? '[admins]' } },
      },
    },
    body: options.body,
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
}

async function put(event: APIGatewayProxyEventV2) {
  const invocation = await app.host('ReferenceData').invoke(event);
  if (!invocation.ok) throw new Error(invocation.error.errorMessage);
  const response = invocation.result as {
    statusCode: number;
    body: string;
    headers: Record<string, string>;
  };
  return {
    status: response.statusCode,
    json: JSON.parse(response.body),
    headers: response.headers,
  };
}

async function perMillion(period: string) {
  const built = await app.host('ReportBuilder').invoke({ profile: 'cn-miit', period });
  if (!built.ok) throw new Error(built.error.errorMessage);
  const { prefix } = built.result as { prefix: string };
  // Read back through the builder's own bucket with the emulator's S3.
  const { S3Client, GetObjectCommand } = await import('@aws-sdk/client-s3');
  const { emulatorCredentials } = await import('#sandbox/emulator/provision.ts');
  const s3 = new S3Client({
    endpoint: app.endpoint,
    region: app.region,
    credentials: emulatorCredentials,
    forcePathStyle: true,
  });
  const { Body } = await s3.send(
    new GetObjectCommand({
      Bucket: app.host('ReportBuilder').fn.environment.REPORTS_BUCKET_NAME,
      Key: `${prefix}report.json`,
    }),
  );
  s3.destroy();
  const report = JSON.parse((await Body?.transformToString()) ?? '{}') as {
    indicators: {
      id: string;
      dimensions: Record<string, string>;
      value: number | null;
      note?: string;
    }[];
  };
  return report.indicators.find(
    (entry) => entry.id === 'complaints.per_million_subscribers' && isWholeOperator(entry),
  );
}

describe('PUT /reference/subscribers/{period}', () => {
  it('stores JSON counts for admins and reports divide by them', async () => {
    const before = await perMillion('2027-Q1');
    const response = await put(
      upload({
        period: '2027-Q1',
        contentType: 'application/json',
        body: JSON.stringify({
          counts: [
            { region: 'GD-SZ', service: 'mobile_data', subscribers: 2_000_000 },
            { region: 'BJ', service: 'mobile_data', subscribers: 3_000_000 },
          ],
        }),
      }),
    );

    expect(before?.value).toBeNull();
    expect(before?.note).toMatch(/subscriber/i);
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ period: '2027-Q1', rows: 2 });
    // No complaints in 2027-Q1: 0 per million, now that there is a denominator.
    expect((await perMillion('2027-Q1'))?.value).toBe(0);
  });

  it('accepts CSV with a BOM and CRLF, as spreadsheets save it', async () => {
    const response = await put(
      upload({
        period: '2027-01',
        contentType: 'text/csv',
        body: '\uFEFFregion,service,subscribers\r\nSH,fixed_broadband,120000\r\nSH,iptv,80000\r\n',
      }),
    );

    expect(response).toMatchObject({ status: 200, json: { period: '2027-01', rows: 2 } });
  });

  it('refuses invalid counts whole, with a pointer to each problem', async () => {
    const response = await put(
      upload({
        period: '2027-02',
        contentType: 'text/csv',
        body: 'region,service,subscribers\nSH,fixed_broadband,-5\nshanghai,iptv,10\nSH,fixed_broadband,7\n',
      }),
    );

    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.json.errors.map((error: { pointer: string }) => error.pointer).sort()).toEqual([
      '/counts/0/subscribers',
      '/counts/1/region',
    ]);
  });

  it('refuses a caller outside admins with 403, and a bad period with 400', async () => {
    const regulator = await put(
      upload({
        period: '2027-03',
        contentType: 'application/json',
        body: '{}',
        groups: '[regulators assessors]',
      }),
    );
    const badPeriod = await put(
      upload({ period: '2027-13', contentType: 'application/json', body: '{"counts":[]}' }),
    );

    expect(regulator.status).toBe(403);
    expect(badPeriod.status).toBe(400);
    expect(badPeriod.json.errors[0].pointer).toBe('/period');
  });
});
