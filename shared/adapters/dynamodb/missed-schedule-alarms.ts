import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { reportKeys } from '../../tables/reports.ts';
import type {
  MissedScheduleAlarm,
  MissedScheduleAlarms,
} from '../../use-cases/check-missed-schedules.ts';

/**
 * The missed-schedule alarms that stand (docs/data-model.md, the reports table): one item
 * per profile and period, put when its alarm is raised and deleted when it clears.
 */
export function dynamoDbMissedScheduleAlarms(
  client: DynamoDBClient,
  TableName: string,
): MissedScheduleAlarms {
  const documents = DynamoDBDocumentClient.from(client);
  return {
    async standing() {
      const alarms: MissedScheduleAlarm[] = [];
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      do {
        const page = await documents.send(
          new QueryCommand({
            TableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': reportKeys.missedSchedulesPartition },
            ExclusiveStartKey,
          }),
        );
        for (const item of page.Items ?? []) {
          alarms.push({
            profile: String(item.profile),
            period: String(item.period),
            firedAt: String(item.firedAt),
          });
        }
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
      return alarms;
    },

    async raised(alarm, at) {
      await documents.send(
        new PutCommand({
          TableName,
          Item: {
            ...reportKeys.missedSchedule(alarm.profile, alarm.period),
            ...alarm,
            raisedAt: at.toISOString(),
          },
        }),
      );
    },

    async cleared(alarm) {
      await documents.send(
        new DeleteCommand({
          TableName,
          Key: reportKeys.missedSchedule(alarm.profile, alarm.period),
        }),
      );
    },
  };
}
