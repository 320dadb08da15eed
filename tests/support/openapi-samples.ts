import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import type { Json } from '#shared/http/openapi/document.ts';

/** A request body found in the repository, with the route and media type it is for. */
export interface HttpSample {
  /** Where it was found, such as `README.md:120` or `events/complaint-webhook.apigw.json`. */
  source: string;
  method: string;
  /** As written: a route template (`/s/{token}`) or a concrete path (`/s/abc…`). */
  path: string;
  mediaType: string;
  body: string;
}

type JsonObject = { [key: string]: Json };
const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The API Gateway (v2) request events under `directory` that carry a body: a JSON file with
 * a `routeKey` and a string `body` (base64 when `isBase64Encoded`).
 */
export function eventSamples(root: string, directory = 'events'): HttpSample[] {
  const files = readdirSync(join(root, directory), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.json'))
    .sort();
  return files.flatMap((file) => {
    const event: unknown = JSON.parse(readFileSync(join(root, directory, file), 'utf8'));
    if (!isObject(event) || typeof event.routeKey !== 'string') return [];
    if (typeof event.body !== 'string' || event.body === '') return [];
    const [method = '', path = ''] = event.routeKey.split(' ');
    const headers = isObject(event.headers) ? event.headers : {};
    return [
      {
        source: relative(root, join(root, directory, file)),
        method,
        path,
        mediaType: mediaTypeOf(String(headers['content-type'] ?? 'application/json')),
        body:
          event.isBase64Encoded === true
            ? Buffer.from(event.body, 'base64').toString('utf8')
            : event.body,
      },
    ];
  });
}

const mediaTypeOf = (contentType: string) => contentType.split(';')[0]?.trim().toLowerCase() ?? '';

/** The marker that makes the next fenced block a request body sample. */
const MARKER = /^<!--\s*sample:\s*([A-Z]+)\s+(\S+)\s*-->\s*$/;

/**
 * The marked samples of a Markdown text: a line `<!-- sample: METHOD /path -->` right
 * before a fenced block. A ```json block is the body; in a ```sh block the body is the
 * single-quoted value of `body='…'`, and its media type the `content-type` header the
 * block sends (JSON when it names none). A marker that leads to no body is a problem.
 */
export function markdownSamples(
  text: string,
  file: string,
): { samples: HttpSample[]; problems: string[] } {
  const lines = text.split(/\r?\n/);
  const samples: HttpSample[] = [];
  const problems: string[] = [];
  lines.forEach((line, index) => {
    const marker = MARKER.exec(line);
    if (!marker) return;
    const [, method = '', path = ''] = marker;
    const source = `${file}:${index + 1}`;
    const fence = /^(`{3,})(\w*)\s*$/.exec(lines[index + 1] ?? '');
    if (!fence) {
      problems.push(`${source}: the marker is not followed by a fenced code block`);
      return;
    }
    const [, ticks = '', language = ''] = fence;
    const end = lines.findIndex((candidate, at) => at > index + 1 && candidate.trim() === ticks);
    if (end === -1) {
      problems.push(`${source}: the code block is not closed`);
      return;
    }
    const block = lines.slice(index + 2, end).join('\n');
    if (language === 'json') {
      samples.push({ source, method, path, mediaType: 'application/json', body: block });
    } else if (language === 'sh') {
      const bodies = [...block.matchAll(/\bbody='([^']*)'/g)].map(([, body = '']) => body);
      if (bodies.length !== 1) {
        problems.push(`${source}: the sh block has ${bodies.length} body='…' assignments, not 1`);
        return;
      }
      const header = /content-type:\s*([^'"\s;]+)/i.exec(block);
      samples.push({
        source,
        method,
        path,
        mediaType: mediaTypeOf(header?.[1] ?? 'application/json'),
        body: bodies[0] ?? '',
      });
    } else {
      problems.push(`${source}: a sample must be a json or sh block, not "${language}"`);
    }
  });
  return { samples, problems };
}

/** The marked samples of README.md and every Markdown file under docs/. */
export function repositoryMarkdownSamples(root: string) {
  const files = [
    'README.md',
    ...readdirSync(join(root, 'docs'), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.md'))
      .sort()
      .map((file) => join('docs', file)),
  ];
  const found = files.map((file) => markdownSamples(readFileSync(join(root, file), 'utf8'), file));
  return {
    files,
    samples: found.flatMap(({ samples }) => samples),
    problems: found.flatMap(({ problems }) => problems),
  };
}

/** The id under which {@link documentValidator} knows the document. */
export const OPENAPI_DOCUMENT_ID = 'urn:openapi:document';

/**
 * A strict JSON Schema 2020-12 validator (formats checked) that resolves `$ref`s into an
 * OpenAPI document. The document's own fields are declared as keywords that check nothing,
 * so that strict mode refuses unknown keywords in its schemas alone.
 */
export function documentValidator(document: JsonObject, options: { allErrors?: boolean } = {}) {
  const ajv = new Ajv2020({ ...options, strict: true });
  formats.default(ajv);
  ajv.addVocabulary(Object.keys(document));
  ajv.addSchema(document, OPENAPI_DOCUMENT_ID);
  return ajv;
}

/** RFC 6901 pointer segments as a URI fragment. */
const fragmentOf = (segments: readonly string[]) =>
  `#${segments
    .map((segment) => `/${encodeURIComponent(segment.replaceAll('~', '~0').replaceAll('/', '~1'))}`)
    .join('')}`;

/** Whether a concrete path (or the template itself) is an instance of a path template. */
function matchesTemplate(template: string, path: string): boolean {
  if (template === path) return true;
  const pattern = template
    .split(/(\{[^}]+\})/)
    .map((part) => (part.startsWith('{') ? '[^/]+' : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${pattern}$`).test(path);
}

/**
 * Validates request bodies against an OpenAPI 3.1 document's request schemas (JSON Schema
 * 2020-12, formats checked). A form body is validated as the object of its fields, a CSV
 * body as the string it is.
 */
export function requestBodyValidator(document: JsonObject) {
  const ajv = documentValidator(document, { allErrors: true });
  const paths = isObject(document.paths) ? document.paths : {};
  const compiled = new Map<string, ValidateFunction>();

  /** The schema's validator, compiled once per route and media type. */
  function validatorFor(template: string, method: string, mediaType: string) {
    const key = `${method} ${template} ${mediaType}`;
    let validate = compiled.get(key);
    if (!validate) {
      validate = ajv.compile({
        $ref: `${OPENAPI_DOCUMENT_ID}${fragmentOf(['paths', template, method, 'requestBody', 'content', mediaType, 'schema'])}`,
      });
      compiled.set(key, validate);
    }
    return validate;
  }

  /** The reasons a sample is refused; none when it is valid. */
  return function errorsOf(sample: HttpSample): string[] {
    const method = sample.method.toLowerCase();
    const template = Object.keys(paths).find(
      (candidate) =>
        matchesTemplate(candidate, sample.path) && isObject(paths[candidate]?.[method as never]),
    );
    if (!template) return [`no operation ${sample.method} ${sample.path} in the document`];
    const operation = (paths[template] as JsonObject)[method] as JsonObject;
    const requestBody = isObject(operation.requestBody) ? operation.requestBody : {};
    const content = isObject(requestBody.content) ? requestBody.content : {};
    if (!isObject(content[sample.mediaType])) {
      return [`${sample.method} ${template} takes no ${sample.mediaType} body`];
    }
    let body: unknown;
    try {
      body =
        sample.mediaType === 'application/json'
          ? JSON.parse(sample.body)
          : sample.mediaType === 'application/x-www-form-urlencoded'
            ? Object.fromEntries(new URLSearchParams(sample.body))
            : sample.body;
    } catch {
      return ['the body is not JSON'];
    }
    const validate = validatorFor(template, method, sample.mediaType);
    return validate(body)
      ? []
      : (validate.errors ?? []).map((error) => {
          const field =
            error.keyword === 'additionalProperties'
              ? ` (${String(error.params.additionalProperty)})`
              : '';
          return `${error.instancePath || '(body)'} ${error.message ?? 'is invalid'}${field}`;
        });
  };
}
