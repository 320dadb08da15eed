/**
 * The report builder's computation in a process of its own, as a Lambda function holds it:
 * the real computeReport with the real DynamoDB report reader, against the scale bench's
 * in-memory DynamoDB over loopback HTTP, then the extract's complaint parts streamed as the
 * build writes them (into a store that counts their bytes and keeps none). Its argument is a JSON request; it prints one JSON
 * line: the time, the process's peak resident memory, and what was read.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoDbReportInputs } from '#shared/adapters/dynamodb/report-inputs.ts';
import { BUILT_IN_PROFILES } from '#shared/indicators/profiles.ts';
import { computeReport, writeComplaintParts } from '#shared/use-cases/build-report.ts';

interface BuildRequest {
  endpoint: string;
  aggregatesTable: string;
  complaintsTable: string;
  surveysTable: string;
  profile: string;
  period: string;
  timezone: string;
}

const request = JSON.parse(process.argv[2] ?? '{}') as BuildRequest;
const client = new DynamoDBClient({
  endpoint: request.endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
});
const started = performance.now();
const cpuBefore = process.cpuUsage();
const inputs = dynamoDbReportInputs({
  client,
  aggregatesTable: request.aggregatesTable,
  complaintsTable: request.complaintsTable,
  surveysTable: request.surveysTable,
});
const computed = await computeReport(
  { inputs, profiles: BUILT_IN_PROFILES, timezone: request.timezone },
  { profile: request.profile, period: request.period },
);
const figuresMs = performance.now() - started;
const figuresCpu = process.cpuUsage(cpuBefore);
const figuresMaxRssBytes = process.resourceUsage().maxRSS * 1024;
const discarded = async (body: AsyncIterable<Buffer>) => {
  for await (const _ of body);
  return {};
};
const { parts, tally } = await writeComplaintParts(
  {
    inputs,
    store: { put: async () => ({}), putStream: (_prefix, _file, body) => discarded(body) },
  },
  'bench/',
  computed.complaintWindow,
  Buffer.alloc(32),
);
const ms = performance.now() - started;
const cpu = process.cpuUsage(cpuBefore);
client.destroy();
process.stdout.write(
  `${JSON.stringify({
    ms,
    // The machine may be shared: the process's own CPU time says what the build cost.
    cpuMs: (cpu.user + cpu.system) / 1000,
    figuresMs,
    figuresCpuMs: (figuresCpu.user + figuresCpu.system) / 1000,
    figuresMaxRssBytes,
    extractMs: ms - figuresMs,
    extractCpuMs: (cpu.user + cpu.system - figuresCpu.user - figuresCpu.system) / 1000,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    complaintRows: tally.rows,
    complaintParts: parts.length,
    complaintPartBytes: parts.reduce((total, part) => total + part.bytes, 0),
    indicators: computed.built.indicators.length,
    // The figures, so that the bench can compare two ways of computing them.
    figures: computed.built.indicators.map((indicator) => [
      indicator.id,
      JSON.stringify(indicator),
    ]),
  })}\n`,
);
