import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { emulatorCredentials } from '#sandbox/emulator/provision.ts';
import type { Sandbox } from '#sandbox/sandbox.ts';
import { newReportId } from '#shared/domain/report-id.ts';
import { reportKeys } from '#shared/tables/reports.ts';
import { startTestSandbox } from '../support/sandbox.ts';

let sandbox: Sandbox;
const printed: string[] = [];

beforeAll(async () => {
  // A failed notice is retried after two seconds rather than the queue's six minutes.
  sandbox = await startTestSandbox({ print: (line) => printed.push(line), retrySeconds: 2 });
});

afterAll(async () => {
  await sandbox?.stop();
});

/** An e-mail as the emulator's SES keeps it. */
interface KeptEmail {
  source: string;
  destinations: { ToAddresses?: string[] };
  subject: string;
  body: string;
}

/** Every e-mail SES was asked to send, read from the emulator itself. */
async function sentEmails(): Promise<KeptEmail[]> {
  const data = (await (await fetch(`${sandbox.app.directEndpoint}/moto-api/data.json`)).json()) as {
    ses?: { Message?: KeptEmail[] };
  };
  return data.ses?.Message ?? [];
}

/** The e-mails about one report, once `count` of them are there. */
async function emailsAbout(reportId: string, count: number) {
  let about: KeptEmail[] = [];
  await vi.waitFor(
    async () => {
      about = (await sentEmails()).filter((email) => email.body.includes(reportId));
      expect(about).toHaveLength(count);
    },
    { timeout: 30_000, interval: 250 },
  );
  return about;
}

const build = async (profile: string, period: string) => {
  const built = await sandbox.app.host('ReportBuilder').invoke({ profile, period });
  if (!built.ok) throw new Error(built.error.errorMessage);
  return (built.result as { reportId: string }).reportId;
};

const recipientsOf = (emails: KeptEmail[]) =>
  emails.flatMap((email) => email.destinations.ToAddresses ?? []).sort();

describe('publication notices', () => {
  it("e-mails the profile's audience when a report is published: profile, period, edition, a link", async () => {
    // Act
    const reportId = await build('baseline', '2026-10');

    // Assess: regulators and assessors (the default audience), one e-mail each, not admins.
    const emails = await emailsAbout(reportId, 2);
    expect(recipientsOf(emails)).toEqual(['assessors@sandbox.local', 'regulators@sandbox.local']);
    const link = `${sandbox.outputs.apiUrl}/portal/reports/${reportId}`;
    for (const email of emails) {
      expect(email.source).toBe('reports@sandbox.local');
      expect(email.subject).toBe('报告已发布 / Report published: baseline 2026-10');
      expect(email.body).toContain(
        'The Baseline service quality (monthly) report for 2026-10 (profile baseline) has been published.',
      );
      expect(email.body).toContain(`Sign in to the portal to read it: ${link}`);
      expect(email.body).toContain(`Report ${reportId}, edition 1.`);
      // No figure: past the period, the link and the report id, the one number is the edition.
      const rest = email.body
        .replaceAll(link, '')
        .replaceAll(reportId, '')
        .replaceAll('2026-10', '');
      expect(rest.match(/\d+/g)).toEqual(['1']);
      // Nothing about anyone: no address in the text.
      expect(email.body).not.toContain('@');
    }
    // The sandbox printed what it sent.
    expect(
      printed.some(
        (line) =>
          line.includes('ses mail') &&
          line.includes('to regulators@sandbox.local') &&
          line.includes(link),
      ),
    ).toBe(true);
  });

  it('tells only the groups a profile names as its audience', async () => {
    // acme-board (tests/fixtures/profiles) names regulators alone.
    const reportId = await build('acme-board', '2026-10');

    const emails = await emailsAbout(reportId, 1);
    expect(recipientsOf(emails)).toEqual(['regulators@sandbox.local']);
  });

  it('tells of a later edition as such, from its index entry alone', async () => {
    // Prepare: an edition 2 of a report, indexed as a restatement publishes it.
    const first = await build('baseline', '2026-09');
    await emailsAbout(first, 2);
    const documents = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: sandbox.app.directEndpoint,
        region: sandbox.outputs.region,
        credentials: emulatorCredentials,
      }),
    );
    const reportId = newReportId(new Date());

    // Act
    await documents.send(
      new PutCommand({
        TableName: sandbox.app.host('ReportsApi').fn.environment.REPORTS_TABLE_NAME,
        Item: {
          ...reportKeys.entry(reportId),
          reportId,
          profile: 'baseline',
          period: '2026-09',
          edition: 2,
          supersedes: first,
          generatedAt: new Date().toISOString(),
        },
      }),
    );

    // Assess
    const emails = await emailsAbout(reportId, 2);
    expect(emails[0]?.subject).toBe(
      '报告更正版已发布 / Report restated: baseline 2026-09 (edition 2)',
    );
    expect(emails[0]?.body).toContain(
      'Edition 2 of the Baseline service quality (monthly) report for 2026-09 (profile baseline) has been published; it supersedes the earlier edition.',
    );
    expect(emails[0]?.body).toContain(`Report ${reportId}, edition 2.`);
  });

  it('sends a notice SES refused on the retry, and the others once', async () => {
    // Prepare: SES refuses the next message.
    sandbox.app.proxy.refuseEmails = 1;

    // Act
    const reportId = await build('baseline', '2026-08');

    // Assess: both people told, each once, the refused one on the retry.
    const emails = await emailsAbout(reportId, 2);
    expect(recipientsOf(emails)).toEqual(['assessors@sandbox.local', 'regulators@sandbox.local']);
    expect(sandbox.app.proxy.refuseEmails).toBe(0);
    await vi.waitFor(
      () =>
        expect(
          printed.some(
            (line) =>
              line.includes('publication notices sent') &&
              line.includes(reportId) &&
              line.includes('alreadySent=1'),
          ),
        ).toBe(true),
      { timeout: 10_000, interval: 250 },
    );
    // Nothing more arrives later.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect((await sentEmails()).filter((email) => email.body.includes(reportId))).toHaveLength(2);
  });
});
