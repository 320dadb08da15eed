import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { AlarmNotifier } from '../../use-cases/check-missed-schedules.ts';

/** The alarm's name in every message, as a CloudWatch alarm's would be. */
export const MISSED_SCHEDULE_ALARM = 'MissedScheduledReport';

/**
 * The alarm topic, told of missed-schedule alarms as CloudWatch tells it of its own:
 * a subject for e-mail subscribers, and a JSON body with `AlarmName`, `NewStateValue`
 * (ALARM or OK) and `NewStateReason`, plus the profile and period it names.
 */
export function snsAlarmNotifier(client: SNSClient, TopicArn: string): AlarmNotifier {
  return {
    async notify(notice) {
      const firedAt = notice.firedAt.toISOString();
      const reason =
        notice.state === 'ALARM'
          ? `The ${notice.profile} report for ${notice.period} was not published within ${notice.hours} hours of its schedule firing at ${firedAt}: see docs/operations.md, Missed scheduled reports.`
          : `The ${notice.profile} report for ${notice.period} has been published.`;
      await client.send(
        new PublishCommand({
          TopicArn,
          Subject: `${notice.state}: scheduled report ${notice.profile} ${notice.period}`.slice(
            0,
            100,
          ),
          Message: JSON.stringify({
            AlarmName: MISSED_SCHEDULE_ALARM,
            NewStateValue: notice.state,
            NewStateReason: reason,
            StateChangeTime: notice.at.toISOString(),
            profile: notice.profile,
            period: notice.period,
            scheduleFiredAt: firedAt,
          }),
        }),
      );
    },
  };
}
