import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
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
 * with their delivery records, outbox entries, pending reminders, event records, the contact
 * record, an open SMS conversation); complaints stay for the regulator's counts but lose the customer
 * reference, in every event that names it and in the state where it still names the customer.
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
          // Its pending reminder (with the number, for SMS): before the invitation, which a
          // reminder is handed over only beside, so none can be sent once this is gone.
          ...(invitation.reminderDueAt
            ? [surveyKeys.reminderDue(invitationId, String(invitation.reminderDueAt))]
            : []),
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
      // States and events that name the customer, one complaint partition each: an
      // earlier event may name them after a later one corrected the reference.
      const partitions = new Set<string>();
      for await (const key of keysByCustomer(
        complaints,
        COMPLAINTS_TABLE.indexes.byCustomer,
        customerRef,
      )) {
        partitions.add(key.pk);
      }
      for (const pk of partitions) {
        try {
          await documents.send(
            new UpdateCommand({
              TableName: complaints,
              Key: { pk, sk: complaintKeys.stateSk },
              // The mark keeps a late event of this complaint from naming the customer again;
              // the version bump makes a processor that read the complaint before this
              // erasure fail its conditional write, read again and see the mark.
              UpdateExpression: 'REMOVE customerRef SET customerErased = :erased ADD version :one',
              // Only where the complaint names them still: a corrected one is another's.
              ConditionExpression: 'customerRef = :ref',
              ExpressionAttributeValues: { ':erased': true, ':ref': customerRef, ':one': 1 },
            }),
          );
          summary.complaintsAnonymised += 1;
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }
        for await (const page of paginateQuery(
          { client: documents },
          {
            TableName: complaints,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :event)',
            ExpressionAttributeValues: { ':pk': pk, ':event': complaintKeys.eventSkPrefix },
          },
        )) {
          for (const event of page.Items ?? []) {
            const named = (event.event as { customerRef?: string } | undefined)?.customerRef;
            if (named !== customerRef && event.customerRef !== customerRef) continue;
            await documents.send(
              new UpdateCommand({
                TableName: complaints,
                Key: { pk: event.pk, sk: event.sk },
                UpdateExpression: 'REMOVE #event.customerRef, customerRef',
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
