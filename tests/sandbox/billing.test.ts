/*
 * What the sandbox counts for the cost bench beyond requests: the access log line API
 * Gateway writes per request, the requests and bytes per route (for the edge's cost), and
 * whether Lambda writes its own lines per invocation.
 */
import { describe, expect, it } from 'vitest';
import { freePort } from '#sandbox/emulator/moto.ts';
import { type LocalFunction, writesPlatformLogs } from '#sandbox/emulator/provision.ts';
import { platformLogLines } from '#sandbox/lambda/lambda-host.ts';
import { accessLogLine, HttpApiServer } from '#sandbox/triggers/http-api-server.ts';

describe('the access log line of a request', () => {
  it("fills the stage's format from the request, and '-' where it has no value", () => {
    const format =
      '{"requestId":"$context.requestId","routeKey":"$context.routeKey","status":"$context.status","error":"$context.integrationErrorMessage"}';
    const line = accessLogLine(format, {
      requestId: 'Jq8dXgN4IAMEbKw=',
      routeKey: 'POST /s/{token}',
      status: 303,
    });
    expect(JSON.parse(line)).toEqual({
      requestId: 'Jq8dXgN4IAMEbKw=',
      routeKey: 'POST /s/{token}',
      status: '303',
      error: '-',
    });
  });
});

describe('the usage of each route', () => {
  it('counts requests and the bytes each way per route key, as an edge in front would bill', async () => {
    // Prepare: no routes, so every request is API Gateway's own 404 (route key "-").
    const server = new HttpApiServer({
      routes: [],
      hostOf: () => {
        throw new Error('no function');
      },
    });
    const port = await freePort();
    await server.listen(port);
    const body = 'x'.repeat(1000);
    try {
      // Act
      const answers = await Promise.all(
        [1, 2].map(() => fetch(`http://127.0.0.1:${port}/nowhere?a=1`, { method: 'POST', body })),
      );
      for (const answer of answers) await answer.arrayBuffer();

      // Assess
      const usage = server.routeUsage.get('-');
      expect(usage?.requests).toBe(2);
      expect(usage?.bytesOut).toBe(server.bytesOut);
      // The body, the request line and the headers, twice.
      expect(usage?.bytesIn).toBeGreaterThan(2 * (body.length + 'POST /nowhere?a=1'.length));
      expect(usage?.bytesIn).toBeLessThan(2 * (body.length + 600));
    } finally {
      await server.close();
    }
  });
});

describe("Lambda's own log lines", () => {
  it('are written in text format, and in JSON format unless the system level is above INFO', () => {
    expect(writesPlatformLogs(undefined)).toBe(true);
    expect(writesPlatformLogs({ LogFormat: 'Text' })).toBe(true);
    expect(writesPlatformLogs({ LogFormat: 'JSON' })).toBe(true);
    expect(writesPlatformLogs({ LogFormat: 'JSON', SystemLogLevel: 'INFO' })).toBe(true);
    expect(writesPlatformLogs({ LogFormat: 'JSON', SystemLogLevel: 'WARN' })).toBe(false);
  });

  it('are a start and a report record per invocation, the report with its duration', () => {
    const fn = { memorySize: 256, tracing: 'PassThrough' } as LocalFunction;
    const invocation = { requestId: 'request-1', durationMs: 12.3456, maxMemoryUsedMB: 81 };
    const [start, report] = platformLogLines(fn, invocation).map(
      (line) => JSON.parse(line) as { type: string; record: Record<string, unknown> },
    );
    expect(start).toMatchObject({ type: 'platform.start', record: { requestId: 'request-1' } });
    expect(report).toMatchObject({
      type: 'platform.report',
      record: {
        metrics: {
          durationMs: 12.346,
          billedDurationMs: 13,
          memorySizeMB: 256,
          maxMemoryUsedMB: 81,
        },
      },
    });
    expect(report?.record.tracing).toBeUndefined();
    const traced = platformLogLines({ ...fn, tracing: 'Active' }, invocation);
    expect(JSON.parse(traced[1] ?? '{}').record.tracing.value).toMatch(/^Root=1-[0-9a-f]{8}-/);
  });
});
