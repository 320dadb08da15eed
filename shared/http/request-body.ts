import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from './problem.ts';

/** Bodies over 64 KiB are refused (docs/design.md §3). */
export const MAX_BODY_BYTES = 64 * 1024;

/** What each media type a route may accept becomes. */
interface Bodies {
  'application/json': { json: unknown };
  'application/x-www-form-urlencoded': { fields: Record<string, string> };
  'text/csv': { text: string };
}
export type MediaType = keyof Bodies;
/** A body read as one of the media types `T`, told apart by `mediaType`. */
export type RequestBody<T extends MediaType = MediaType> = {
  [K in T]: { mediaType: K } & Bodies[K];
}[T];

/**
 * The body exactly as the caller sent it (HTTP API may have base64-encoded it); over
 * the limit, a 413 before anything else looks at it.
 */
export function rawBodyOf(request: APIGatewayProxyEventV2): Buffer {
  const raw =
    request.body === undefined
      ? Buffer.alloc(0)
      : Buffer.from(request.body, request.isBase64Encoded ? 'base64' : 'utf8');
  if (raw.length > MAX_BODY_BYTES) throw new PayloadTooLargeError(MAX_BODY_BYTES);
  return raw;
}

/** The body's media type: lower case, without parameters (RFC 9110 §8.3.1). */
export function mediaTypeOf(request: APIGatewayProxyEventV2): string {
  return (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/**
 * A raw body of a media type the route accepts (else 415, naming them in the order
 * given), decoded: JSON parsed (400 when it is not JSON), a form as its fields (the last
 * of a repeated name), CSV as text.
 */
export function decodeBody<const T extends MediaType>(
  raw: Buffer,
  mediaType: string,
  accepted: readonly T[],
): RequestBody<T> {
  const match = accepted.find((type) => type === mediaType);
  if (match === undefined) throw new UnsupportedMediaTypeError(accepted.join(' or '));
  const text = utf8TextOf(raw);
  const decoders: { [K in MediaType]: () => RequestBody<K> } = {
    'application/json': () => ({ mediaType: 'application/json', json: parseJson(text) }),
    'application/x-www-form-urlencoded': () => ({
      mediaType: 'application/x-www-form-urlencoded',
      fields: Object.fromEntries(new URLSearchParams(text)),
    }),
    'text/csv': () => ({ mediaType: 'text/csv', text }),
  };
  return decoders[match]();
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A body's text; bytes that are not UTF-8 are refused (400), never replaced. */
function utf8TextOf(raw: Buffer): string {
  try {
    return strictUtf8.decode(raw);
  } catch {
    throw new ValidationError('The body is not valid UTF-8.', [
      { pointer: '', detail: 'not valid UTF-8' },
    ]);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError('The body is not valid JSON.', [
      { pointer: '', detail: 'not valid JSON' },
    ]);
  }
}

/** Reads a request's body, cheapest check first: size (413), media type (415), syntax (400). */
export function readBody<const T extends MediaType>(
  request: APIGatewayProxyEventV2,
  accepted: readonly T[],
): RequestBody<T> {
  return decodeBody(rawBodyOf(request), mediaTypeOf(request), accepted);
}

/** A JSON body that must be an object (a form's fields sent as JSON); else 400. */
export function jsonObjectOf(json: unknown): Record<string, unknown> {
  if (json && typeof json === 'object' && !Array.isArray(json)) return { ...json };
  throw new ValidationError('The body is not a JSON object.', [
    { pointer: '', detail: 'not a JSON object' },
  ]);
}

/**
 * A form body's parameters in the order sent, for a signature over all of them (the SMS
 * gateway's). The media type is not checked: the signature decides, so an unsigned
 * request of any type is refused as unsigned.
 */
export function formParamsOf(request: APIGatewayProxyEventV2): [string, string][] {
  return [...new URLSearchParams(rawBodyOf(request).toString('utf8'))];
}

/** A form as a browser posts it: its text fields, and the text of any files it carries. */
export interface PostedForm {
  fields: Record<string, string>;
  files: Record<string, { name: string; text: string }>;
}

/**
 * Reads an HTML form post, URL-encoded or multipart (a file input), within the body limit.
 * Multipart is parsed by the runtime's own `Request.formData()` (undici), not by hand.
 */
export async function readForm(request: APIGatewayProxyEventV2): Promise<PostedForm> {
  const raw = rawBodyOf(request);
  const mediaType = mediaTypeOf(request);
  if (mediaType === 'application/x-www-form-urlencoded') {
    return { fields: Object.fromEntries(new URLSearchParams(raw.toString('utf8'))), files: {} };
  }
  if (mediaType !== 'multipart/form-data') {
    throw new UnsupportedMediaTypeError('application/x-www-form-urlencoded or multipart/form-data');
  }
  let data: FormData;
  try {
    data = await new Request('http://form.invalid/', {
      method: 'POST',
      headers: { 'content-type': request.headers['content-type'] ?? '' },
      body: raw,
    }).formData();
  } catch {
    throw new ValidationError('The form is not valid multipart.', [
      { pointer: '', detail: 'not valid multipart/form-data' },
    ]);
  }
  const form: PostedForm = { fields: {}, files: {} };
  for (const [name, value] of data) {
    if (typeof value === 'string') form.fields[name] = value;
    else if (value.size > 0) form.files[name] = { name: value.name, text: await value.text() };
  }
  return form;
}
