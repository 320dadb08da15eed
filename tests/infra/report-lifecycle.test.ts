import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { synthesizeApp } from '#sandbox/synthesize.ts';

describe('the missed-schedule alarm and publication notices in the stacks', () => {
  // Synthesis fails on any unacknowledged cdk-nag finding.
  const withNotices = synthesizeApp({
    bundle: false,
    context: { noticeSender: 'reports@operator.example', missedScheduleHours: 4 },
  });
  const stateful = Template.fromStack(withNotices.stateful);
  const stateless = Template.fromStack(withNotices.stateless);

  it('checks every hour, with the hours the context gives', () => {
    stateless.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 * * * ? *)',
      Target: { Input: JSON.stringify({ scheduledTime: '<aws.scheduler.scheduled-time>' }) },
    });
    stateless.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ MISSED_SCHEDULE_HOURS: '4' }) },
    });
    stateless.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'missedScheduledReports',
      Namespace: 'TelecomServiceQuality',
      Period: 3600,
      AlarmActions: Match.anyValue(),
      OKActions: Match.anyValue(),
    });
  });

  it('lets the notice sender send only from the sender address of its identity', () => {
    stateless.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'ses:SendEmail',
            Condition: { StringEquals: { 'ses:FromAddress': 'reports@operator.example' } },
            Resource: {
              'Fn::Join': ['', Match.arrayWith([':identity/operator.example'])],
            },
          }),
        ]),
      },
    });
    // Publications come off the reports table's stream: new index entries only.
    stateful.hasResourceProperties('AWS::DynamoDB::Table', {
      StreamSpecification: { StreamViewType: 'NEW_IMAGE' },
    });
    stateless.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FilterCriteria: {
        Filters: [
          {
            Pattern: JSON.stringify({
              eventName: ['INSERT'],
              dynamodb: { Keys: { pk: { S: ['REPORTS'] } } },
            }),
          },
        ],
      },
    });
  });

  it('deploys no notice functions without a sender, and refuses a sender that is no address', () => {
    const without = Template.fromStack(synthesizeApp({ bundle: false }).stateless);
    const entries = Object.values(without.findResources('AWS::Lambda::Function')).map((fn) =>
      String(fn.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME),
    );
    expect(entries).toContain('missed-schedules');
    expect(entries).not.toContain('notice-sender');
    expect(entries).not.toContain('publication-notices');
    for (const context of [
      { noticeSender: 'reports' },
      { noticeSender: 'reports@operator.example', noticeIdentity: 'other.example' },
      { missedScheduleHours: 0 },
    ]) {
      expect(() => synthesizeApp({ bundle: false, context })).toThrow(
        /noticeSender|noticeIdentity|missedScheduleHours/,
      );
    }
  });
});
