import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';

/** One item of a TransactWriteItems call, as the document client takes it. */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** How a transaction that marks its work went. */
export type TransactOnceOutcome =
  | { written: true }
  | {
      refused: TransactionCanceledException;
      /** The mark's condition refused it: the work was done before. */
      marked: boolean;
      /** The mark as stored, read consistently, when it was and is still there. */
      mark?: Record<string, unknown>;
    };

/**
 * Writes a transaction whose first item marks the work done (a put on condition that the
 * mark is not there yet), so that a retried piece of work is written once. When the mark
 * refused it, the stored mark tells what the earlier attempt did; any other refusal is
 * handed back with its reasons, and other errors are thrown.
 */
export async function transactOnce(
  documents: DynamoDBDocumentClient,
  items: TransactItem[],
  mark: { TableName: string; Key: Record<string, string> },
): Promise<TransactOnceOutcome> {
  try {
    await documents.send(new TransactWriteCommand({ TransactItems: items }));
    return { written: true };
  } catch (error) {
    if (!(error instanceof TransactionCanceledException)) throw error;
    if (error.CancellationReasons?.[0]?.Code !== 'ConditionalCheckFailed') {
      return { refused: error, marked: false };
    }
    const { Item } = await documents.send(new GetCommand({ ...mark, ConsistentRead: true }));
    return { refused: error, marked: true, ...(Item ? { mark: Item } : {}) };
  }
}
