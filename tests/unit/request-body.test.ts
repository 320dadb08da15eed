import { readFileSync } from 'node:fs';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { HttpProblemError } from '#shared/http/problem.ts';
import { formParamsOf, jsonObjectOf, MAX_BODY_BYTES, readBody } from '#shared/http/request-body.ts';

const sample = JSON.parse(
  readFileSync(new URL('../../events/complaint-webhook.apigw.json', import.meta.url), 'utf8'),
) as APIGatewayProxyEventV2;

/** The sample request with another body and content type. */
const request = (body: string, contentType: string, isBase64Encoded = false) => ({
  ...sample,
  headers: { ...sample.headers, 'content-type': contentType },
  body,
  isBase64Encoded,
});

/** The status and problem a refusal answers with. */
function refusalOf(read: () => unknown) {
  try {
    read();
  } catch (error) {
    if (error instanceof HttpProblemError) return error.problem;
    throw error;
  }
  throw new Error('the body was not refused');
}

describe('readBody', () => {
  it('reads JSON of any letter case and with parameters, as API Gateway base64-encodes it', () => {
    const encoded = Buffer.from('{"profile":"baseline","note":"投诉"}').toString('base64');

    const body = readBody(request(encoded, 'Application/JSON; charset=utf-8', true), [
      'application/json',
    ]);

    expect(body).toEqual({
      mediaType: 'application/json',
      json: { profile: 'baseline', note: '投诉' },
    });
  });

  it('reads a form as its fields, the last of a repeated name, and CSV as text', () => {
    const accepted = ['application/x-www-form-urlencoded', 'text/csv'] as const;

    expect(
      readBody(request('csat=4&nps=9&csat=5', 'application/x-www-form-urlencoded'), accepted),
    ).toEqual({
      mediaType: 'application/x-www-form-urlencoded',
      fields: { csat: '5', nps: '9' },
    });
    expect(readBody(request('region,service\r\nGD-SZ,fixed', 'text/csv'), accepted)).toEqual({
      mediaType: 'text/csv',
      text: 'region,service\r\nGD-SZ,fixed',
    });
  });

  it('refuses a body over 64 KiB with 413 before looking at its type', () => {
    const large = request('x'.repeat(MAX_BODY_BYTES + 1), 'text/plain');

    expect(refusalOf(() => readBody(large, ['application/json']))).toMatchObject({
      status: 413,
      detail: `The body exceeds ${MAX_BODY_BYTES} bytes.`,
    });
    expect(() =>
      readBody(request('x'.repeat(MAX_BODY_BYTES), 'text/csv'), ['text/csv']),
    ).not.toThrow();
  });

  it('refuses another media type with 415, naming the accepted ones in order', () => {
    const refusal = refusalOf(() =>
      readBody(request('{}', 'text/plain'), ['application/json', 'text/csv']),
    );

    expect(refusal).toMatchObject({
      status: 415,
      detail: 'The body must be application/json or text/csv.',
    });
  });

  it('refuses JSON that does not parse with 400, pointing at the whole body', () => {
    const refusal = refusalOf(() =>
      readBody(request('{"profile":', 'application/json'), ['application/json']),
    );

    expect(refusal).toMatchObject({
      status: 400,
      detail: 'The body is not valid JSON.',
      errors: [{ pointer: '', detail: 'not valid JSON' }],
    });
  });
});

describe('readBody and UTF-8', () => {
  it('refuses a body that is not valid UTF-8 with 400, never reading it with replacements', () => {
    const bytes = Buffer.concat([
      Buffer.from('{"comment":"ok '),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}'),
    ]);
    const refusal = refusalOf(() =>
      readBody(request(bytes.toString('base64'), 'application/json', true), ['application/json']),
    );

    expect(refusal).toMatchObject({
      status: 400,
      detail: 'The body is not valid UTF-8.',
      errors: [{ pointer: '', detail: 'not valid UTF-8' }],
    });
  });
});

describe('jsonObjectOf', () => {
  it('takes an object and refuses an array, a string or null with 400', () => {
    expect(jsonObjectOf({ csat: 5 })).toEqual({ csat: 5 });
    for (const json of [[5], 'csat=5', null]) {
      expect(refusalOf(() => jsonObjectOf(json))).toMatchObject({
        status: 400,
        errors: [{ pointer: '', detail: 'not a JSON object' }],
      });
    }
  });
});

describe('formParamsOf', () => {
  it('keeps every parameter in the order sent, whatever the content type says', () => {
    expect(formParamsOf(request('Body=5&From=%2B8613800138000&Body=6', 'text/plain'))).toEqual([
      ['Body', '5'],
      ['From', '+8613800138000'],
      ['Body', '6'],
    ]);
  });
});
