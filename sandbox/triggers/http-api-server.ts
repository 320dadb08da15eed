import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { LocalRoute } from '../emulator/provision.ts';
import type { InvocationResult, LambdaHost } from '../lambda/lambda-host.ts';
import { toHttpApiEvent } from './http-event.ts';

/** API Gateway's own cap on a request body. */
const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

interface CompiledRoute {
  route: LocalRoute;
  method: string;
  pattern: RegExp | undefined;
  parameterNames: string[];
  /** Literal segments first: `/reports/signing-key` wins over `/reports/{id}`. */
  specificity: number;
  host: LambdaHost;
}

export interface HttpApiServerOptions {
  routes: LocalRoute[];
  hostOf: (functionArn: string) => LambdaHost;
  /** Checks a JWT route's bearer token; answers the claims, or undefined to refuse. */
  authorizeJwt?: (
    route: LocalRoute,
    authorization: string | undefined,
  ) => Promise<Record<string, unknown> | undefined>;
  onRequest?: (summary: { method: string; path: string; status: number; ms: number }) => void;
  /** The stage's access log format (`$context.*` variables): one line per request. */
  accessLogFormat?: string;
}

/**
 * An access log line as API Gateway writes it from the stage's format: each
 * `$context.name` replaced by its value, `-` where the request has none.
 */
export function accessLogLine(format: string, context: Record<string, string | number>): string {
  return format.replace(/\$context\.([A-Za-z0-9_.]+)/g, (_whole, name: string) =>
    String(context[name] ?? '-'),
  );
}

/** A path segment decoded, or undefined when it is not valid percent-encoding. */
function decodedSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** Turns a route key's path into a matcher: `{name}` is one segment, `{name+}` the rest. */
function compile(route: LocalRoute, host: LambdaHost): CompiledRoute {
  if (route.routeKey === '$default') {
    return { route, method: 'ANY', pattern: undefined, parameterNames: [], specificity: -1, host };
  }
  const [method = 'ANY', path = '/'] = route.routeKey.split(' ');
  const parameterNames: string[] = [];
  let specificity = 0;
  const source = path
    .split('/')
    .map((segment) => {
      const greedy = /^\{(.+)\+\}$/.exec(segment);
      if (greedy?.[1]) {
        parameterNames.push(greedy[1]);
        return '(.+)';
      }
      const single = /^\{(.+)\}$/.exec(segment);
      if (single?.[1]) {
        parameterNames.push(single[1]);
        return '([^/]+)';
      }
      specificity += 1;
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { route, method, pattern: new RegExp(`^${source}$`), parameterNames, specificity, host };
}

/**
 * Serves the template's HTTP API routes as API Gateway does with payload format 2.0: an
 * unknown route is 404, a function error 502, a JWT route without a valid token 401.
 */
export class HttpApiServer {
  private readonly routes: CompiledRoute[];
  private readonly options: HttpApiServerOptions;
  private server: Server | undefined;
  /** Requests served: what API Gateway bills. */
  requests = 0;
  /** Bytes of the access log lines the stage would write (CloudWatch Logs ingestion). */
  accessLogBytes = 0;
  /** Bytes of the responses, status line and headers included (data transfer out). */
  bytesOut = 0;
  /**
   * Per route key (`-` for none): requests, their bytes in (request line, headers, body)
   * and out, for what a CDN in front of some routes would bill.
   */
  readonly routeUsage = new Map<string, { requests: number; bytesIn: number; bytesOut: number }>();

  constructor(options: HttpApiServerOptions) {
    this.options = options;
    this.routes = options.routes
      .map((route) => compile(route, options.hostOf(route.functionArn)))
      .sort((a, b) => b.specificity - a.specificity);
  }

  async listen(port: number, hostname = '127.0.0.1'): Promise<void> {
    this.server = createServer((request, response) => {
      // One request's surprise must not end the whole sandbox with an unhandled rejection.
      this.handle(request, response).catch(() => {
        if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ message: 'Internal Server Error' }));
      });
    });
    this.server.listen(port, hostname);
    await Promise.race([
      once(this.server, 'listening'),
      once(this.server, 'error').then(([error]) => {
        throw error;
      }),
    ]);
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    this.server.close();
    await once(this.server, 'close').catch(() => undefined);
  }

  private match(method: string, path: string) {
    for (const candidate of this.routes) {
      if (candidate.method !== 'ANY' && candidate.method !== method) continue;
      if (!candidate.pattern) return { candidate, pathParameters: undefined };
      const found = candidate.pattern.exec(path);
      if (!found) continue;
      const pathParameters: Record<string, string> = {};
      for (const [index, name] of candidate.parameterNames.entries()) {
        const decoded = decodedSegment(found[index + 1] ?? '');
        // API Gateway refuses a path that is not valid percent-encoding with a 400.
        if (decoded === undefined) return 'bad request' as const;
        pathParameters[name] = decoded;
      }
      return { candidate, pathParameters };
    }
    return undefined;
  }

  private async handle(request: IncomingMessage, response: ServerResponse) {
    const started = Date.now();
    this.requests += 1;
    const method = (request.method ?? 'GET').toUpperCase();
    const url = request.url ?? '/';
    const path = url.split('?')[0] ?? '/';
    let routeKey = '-';
    let integrationMs: number | undefined;
    let bytesIn = Buffer.byteLength(`${method} ${url} HTTP/1.1\r\n\r\n`);
    for (let index = 0; index < request.rawHeaders.length; index += 2) {
      bytesIn += Buffer.byteLength(
        `${request.rawHeaders[index]}: ${request.rawHeaders[index + 1]}\r\n`,
      );
    }
    const send = (
      status: number,
      headers: Record<string, string>,
      body: Buffer | string,
      cookies: string[] = [],
    ) => {
      const bodyBytes = Buffer.byteLength(body);
      const sent: Record<string, string | string[] | number> = {
        'content-length': bodyBytes,
        ...Object.fromEntries(
          Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'content-length'),
        ),
        ...(cookies.length ? { 'set-cookie': cookies } : {}),
      };
      response.writeHead(status, sent);
      response.end(body);
      const ms = Date.now() - started;
      const bytesOut =
        bodyBytes +
        Buffer.byteLength(`HTTP/1.1 ${status} ${response.statusMessage}\r\n\r\n`) +
        Object.entries(sent)
          .flatMap(([name, value]) =>
            (Array.isArray(value) ? value : [value]).map((v) => [name, v]),
          )
          .reduce((sum, [name, value]) => sum + Buffer.byteLength(`${name}: ${value}\r\n`), 0);
      this.bytesOut += bytesOut;
      const usage = this.routeUsage.get(routeKey) ?? { requests: 0, bytesIn: 0, bytesOut: 0 };
      this.routeUsage.set(routeKey, {
        requests: usage.requests + 1,
        bytesIn: usage.bytesIn + bytesIn,
        bytesOut: usage.bytesOut + bytesOut,
      });
      if (this.options.accessLogFormat) {
        this.accessLogBytes +=
          Buffer.byteLength(
            accessLogLine(this.options.accessLogFormat, {
              requestId: randomBytes(12).toString('base64'),
              requestTimeEpoch: started,
              routeKey,
              status,
              responseLatency: ms,
              ...(integrationMs !== undefined ? { integrationLatency: integrationMs } : {}),
              responseLength: bodyBytes,
            }),
          ) + 1;
      }
      this.options.onRequest?.({ method, path, status, ms });
    };
    const message = (status: number, text: string) =>
      send(status, { 'content-type': 'application/json' }, JSON.stringify({ message: text }));

    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request) {
      size += (chunk as Buffer).length;
      bytesIn += (chunk as Buffer).length;
      if (size > MAX_REQUEST_BYTES) return message(413, 'Request Entity Too Large');
      chunks.push(chunk as Buffer);
    }
    const matched = this.match(method, path);
    if (matched === 'bad request') return message(400, 'Bad Request');
    if (!matched) return message(404, 'Not Found');
    const { candidate, pathParameters } = matched;
    routeKey = candidate.route.routeKey;

    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
    }
    const event = toHttpApiEvent({
      method,
      path: url,
      headers,
      body: Buffer.concat(chunks),
      routeKey: candidate.route.routeKey,
      ...(pathParameters ? { pathParameters } : {}),
      sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
    });
    if (candidate.route.authorizationType === 'JWT') {
      const claims = await this.options.authorizeJwt?.(candidate.route, headers.authorization);
      if (!claims) return message(401, 'Unauthorized');
      Object.assign(event.requestContext, { authorizer: { jwt: { claims, scopes: null } } });
    }

    let invocation: InvocationResult;
    const invoked = Date.now();
    try {
      invocation = await candidate.host.invoke(event, { traceRoot: true });
    } catch {
      return message(502, 'Internal Server Error');
    } finally {
      integrationMs = Date.now() - invoked;
    }
    if (!invocation.ok) return message(502, 'Internal Server Error');
    const result = invocation.result;
    if (result !== null && typeof result === 'object' && 'statusCode' in result) {
      const structured = result as {
        statusCode: number;
        headers?: Record<string, string | number | boolean>;
        cookies?: string[];
        body?: string;
        isBase64Encoded?: boolean;
      };
      const body = Buffer.from(
        structured.body ?? '',
        structured.isBase64Encoded ? 'base64' : 'utf8',
      );
      const responseHeaders = Object.fromEntries(
        Object.entries(structured.headers ?? {}).map(([name, value]) => [name, String(value)]),
      );
      return send(structured.statusCode, responseHeaders, body, structured.cookies ?? []);
    }
    // Payload 2.0 infers a 200 JSON answer from anything else a function returns.
    const body = typeof result === 'string' ? result : JSON.stringify(result ?? null);
    return send(200, { 'content-type': 'application/json' }, body);
  }
}
