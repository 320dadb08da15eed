import { ConditionalCheckFailedException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { groupsIn } from '../../domain/people.ts';
import {
  type PendingSignIn,
  type PortalSession,
  SIGN_IN_SECONDS,
  sessionEndsAt,
} from '../../domain/portal-session.ts';
import { SESSIONS_TABLE, sessionKeys } from '../../tables/sessions.ts';
import type { SessionStore } from '../../use-cases/portal-session.ts';

const epochSeconds = (at: Date) => Math.ceil(at.getTime() / 1000);

function sessionOf(item: Record<string, unknown>): PortalSession {
  return {
    subject: String(item.subject),
    email: String(item.email ?? ''),
    groups: groupsIn(Array.isArray(item.groups) ? item.groups.map(String) : []),
    csrfToken: String(item.csrfToken),
    ...(typeof item.refreshToken === 'string' ? { refreshToken: item.refreshToken } : {}),
    createdAt: new Date(String(item.createdAt)),
    lastSeenAt: new Date(String(item.lastSeenAt)),
  };
}

/**
 * The portal's sessions and sign-ins under way (docs/data-model.md, the sessions table),
 * each keyed by its cookie's hash and removed by TTL when it ends; reads check the end
 * themselves, as TTL deletes late.
 */
export function dynamoDbSessionStore(client: DynamoDBClient, TableName: string): SessionStore {
  const documents = DynamoDBDocumentClient.from(client);
  return {
    async putSignIn(hash, pending) {
      await documents.send(
        new PutCommand({
          TableName,
          Item: {
            ...sessionKeys.signIn(hash),
            state: pending.state,
            nonce: pending.nonce,
            codeVerifier: pending.codeVerifier,
            createdAt: pending.createdAt.toISOString(),
            [SESSIONS_TABLE.timeToLiveAttribute]: epochSeconds(
              new Date(pending.createdAt.getTime() + SIGN_IN_SECONDS * 1000),
            ),
          },
        }),
      );
    },

    async takeSignIn(hash) {
      try {
        // Deleted as it is read: a callback can finish a sign-in once only.
        const { Attributes } = await documents.send(
          new DeleteCommand({
            TableName,
            Key: sessionKeys.signIn(hash),
            ConditionExpression: 'attribute_exists(pk)',
            ReturnValues: 'ALL_OLD',
          }),
        );
        if (!Attributes) return undefined;
        const pending: PendingSignIn = {
          state: String(Attributes.state),
          nonce: String(Attributes.nonce),
          codeVerifier: String(Attributes.codeVerifier),
          createdAt: new Date(String(Attributes.createdAt)),
        };
        return pending;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return undefined;
        throw error;
      }
    },

    async putSession(hash, session) {
      await documents.send(
        new PutCommand({
          TableName,
          Item: {
            ...sessionKeys.session(hash),
            subject: session.subject,
            email: session.email,
            groups: session.groups,
            csrfToken: session.csrfToken,
            ...(session.refreshToken ? { refreshToken: session.refreshToken } : {}),
            createdAt: session.createdAt.toISOString(),
            lastSeenAt: session.lastSeenAt.toISOString(),
            [SESSIONS_TABLE.timeToLiveAttribute]: epochSeconds(sessionEndsAt(session)),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    },

    async getSession(hash) {
      const { Item } = await documents.send(
        new GetCommand({ TableName, Key: sessionKeys.session(hash), ConsistentRead: true }),
      );
      return Item ? sessionOf(Item) : undefined;
    },

    async touchSession(hash, session) {
      try {
        await documents.send(
          new UpdateCommand({
            TableName,
            Key: sessionKeys.session(hash),
            UpdateExpression: 'SET lastSeenAt = :seen, #ttl = :ends',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeNames: { '#ttl': SESSIONS_TABLE.timeToLiveAttribute },
            ExpressionAttributeValues: {
              ':seen': session.lastSeenAt.toISOString(),
              ':ends': epochSeconds(sessionEndsAt(session)),
            },
          }),
        );
      } catch (error) {
        // Signed out meanwhile: nothing to move.
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    },

    async deleteSession(hash) {
      const { Attributes } = await documents.send(
        new DeleteCommand({ TableName, Key: sessionKeys.session(hash), ReturnValues: 'ALL_OLD' }),
      );
      return Attributes ? sessionOf(Attributes) : undefined;
    },

    async deleteSessionsOf(subject) {
      const { Items = [] } = await documents.send(
        new QueryCommand({
          TableName,
          IndexName: SESSIONS_TABLE.indexes.bySubject.name,
          KeyConditionExpression: 'subject = :subject',
          ExpressionAttributeValues: { ':subject': subject },
        }),
      );
      for (const item of Items) {
        await documents.send(new DeleteCommand({ TableName, Key: { pk: item.pk, sk: item.sk } }));
      }
      return Items.length;
    },
  };
}
