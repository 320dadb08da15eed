import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  paginateQuery,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { COMPLAINTS_TABLE, complaintKeys } from '../../tables/complaints.ts';
import { SURVEY_ITEMS, SURVEYS_TABLE, surveyKeys } from '../../tables/surveys.ts';
import type { IndexDesign } from '../../tables/table.ts';

/** What an erasure removed or made anonymous: counts only, nothing that identifies. */
export interface ErasureSummary {
  invitations: number;
  surveyItemsDeleted: number;
  complaintsAnonymised: number;
  complaintEventsAnonymised: number;
}

/**
 * Erasure of one customer (docs/design.md §3, §5): every survey item that identifies them is
 * deleted (invitations, their links with any answers and comments, their follow-up cases
 * with their delivery records, outbox entries, event records, the contact record, an open
 * SMS conversation); complaints stay for the
 * regulator's counts but lose the customer reference, in their state and every event.
 * The opt-out record stays: it is a keyed hash, and honouring the objection needs it.
 * Daily aggregates and reports are anonymous and untouched. Running it again is harmless.
 */
export function dynamoDbErasure(options: {
  client: DynamoDBClient;
  surveysTable: string;
  complaintsTable: string;
}) {
  const documents = DynamoDBDocumentClient.from(options.client);
  const keysByCustomer = async function* (
    TableName: string,
    index: IndexDesign,
    customerRef: string,
  ) {
    for await (const page of paginateQuery(
      { client: documents },
      {
        TableName,
        IndexName: index.name,
        KeyConditionExpression: '#ref = :ref',
        ExpressionAttributeNames: { '#ref': index.partitionKey },
        ExpressionAttributeValues: { ':ref': customerRef },
      },
    )) {
      for (const item of page.Items ?? []) yield { pk: String(item.pk), sk: String(item.sk) };
    }
  };
  const remove = async (TableName: string, Key: { pk: string; sk: string }) => {
    const { Attributes } = await documents.send(
      new DeleteCommand({ TableName, Key, ReturnValues: 'ALL_OLD' }),
    );
    return Attributes ? 1 : 0;
  };

  return {
    async erase(customerRef: string): Promise<ErasureSummary> {
      const summary: ErasureSummary = {
        invitations: 0,
        surveyItemsDeleted: 0,
        complaintsAnonymised: 0,
        complaintEventsAnonymised: 0,
      };
      const surveys = options.surveysTable;
      for await (const key of keysByCustomer(
        surveys,
        SURVEYS_TABLE.indexes.byCustomer,
        customerRef,
      )) {
        if (key.sk !== SURVEY_ITEMS.invitation) continue;
        const { Item: invitation } = await documents.send(
          new GetCommand({ TableName: surveys, Key: key, ConsistentRead: true }),
        );
        if (!invitation) continue;
        summary.invitations += 1;
        const invitationId = String(invitation.invitationId);
        for (const item of [
          surveyKeys.token(String(invitation.tokenHash)),
          surveyKeys.smsOutbox(invitationId),
          surveyKeys.conversation(String(invitation.phoneHash)),
          key,
          // Its follow-up case, with every delivery attempt: after the invitation, which a
          // case is opened only beside, so none can be opened once this is gone.
          surveyKeys.followUpCase(invitationId),
        ]) {
          summary.surveyItemsDeleted += await remove(surveys, item);
        }
      }
      summary.surveyItemsDeleted += await remove(surveys, surveyKeys.customerContact(customerRef));

      const complaints = options.complaintsTable;
      for await (const key of keysByCustomer(
        complaints,
        COMPLAINTS_TABLE.indexes.byCustomer,
        customerRef,
      )) {
        await documents.send(
          new UpdateCommand({
            TableName: complaints,
            Key: key,
            // The mark keeps a late event of this complaint from naming the customer again.
            UpdateExpression: 'REMOVE customerRef SET customerErased = :erased',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':erased': true },
          }),
        );
        summary.complaintsAnonymised += 1;
        for await (const page of paginateQuery(
          { client: documents },
          {
            TableName: complaints,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :event)',
            ExpressionAttributeValues: { ':pk': key.pk, ':event': complaintKeys.eventSkPrefix },
          },
        )) {
          for (const event of page.Items ?? []) {
            if ((event.event as { customerRef?: string } | undefined)?.customerRef === undefined)
              continue;
            await documents.send(
              new UpdateCommand({
                TableName: complaints,
                Key: { pk: event.pk, sk: event.sk },
                UpdateExpression: 'REMOVE #event.customerRef',
                ExpressionAttributeNames: { '#event': 'event' },
              }),
            );
            summary.complaintEventsAnonymised += 1;
          }
        }
      }
      return summary;
    },
  };
}
