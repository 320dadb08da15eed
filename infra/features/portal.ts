import { Duration } from 'aws-cdk-lib';
import {
  OAuthScope,
  type UserPool,
  UserPoolClient,
  UserPoolClientIdentityProvider,
} from 'aws-cdk-lib/aws-cognito';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { OPERATOR_PROFILES_DIRECTORY } from '#shared/indicators/profiles.ts';
import { SESSIONS_TABLE } from '#shared/tables/sessions.ts';
import { ProjectFunction } from '../constructs/project-function.ts';
import { Feature, type FeatureProps } from './feature.ts';

export interface PortalProps extends FeatureProps {
  /** Where people sign in (managed login, MFA required) and which groups they are in. */
  userPool: UserPool;
  sessionsTable: ITable;
  /** The report index, the run log and the download audit log. */
  reportsTable: ITable;
  /** Subscriber counts, which admins upload. */
  aggregatesTable: ITable;
  reportRunsQueue: IQueue;
  reportsBucket: IBucket;
  /** The API's public URL: the portal's callback and sign-out URLs are derived from it. */
  publicBaseUrl: string;
  /** With the edge on: the portal takes only its requests. */
  edgeOriginSecret: ISecret | undefined;
}

/**
 * The portal (`/portal/…`): regulators, assessors and admins in a browser. One function
 * renders every page; people sign in at the user pool's managed login with OpenID Connect
 * (code + PKCE) through a confidential app client of their own.
 */
export class Portal extends Feature {
  readonly portal: ProjectFunction;
  readonly client: UserPoolClient;

  constructor(scope: Construct, id: string, props: PortalProps) {
    super(scope, id);
    const { config, dataKey } = props;

    this.client = new UserPoolClient(this, 'PortalClient', {
      userPool: props.userPool,
      generateSecret: true,
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      oAuth: {
        // The code flow alone: no implicit grant, no client credentials.
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL, OAuthScope.PROFILE],
        callbackUrls: [`${props.publicBaseUrl}/portal/callback`],
        logoutUrls: [`${props.publicBaseUrl}/portal/signed-out`],
      },
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      idTokenValidity: Duration.hours(1),
      accessTokenValidity: Duration.hours(1),
      // No longer than a portal session may last; revoked at sign-out.
      refreshTokenValidity: Duration.hours(8),
    });

    this.portal = new ProjectFunction(this, 'Portal', {
      ...(config.operatorProfileFiles.length > 0
        ? {
            bundledFiles: {
              directory: OPERATOR_PROFILES_DIRECTORY,
              files: config.operatorProfileFiles,
            },
          }
        : {}),
      entry: 'portal',
      ...(props.edgeOriginSecret ? { readsSecrets: true } : {}),
      description: 'The portal: reports, downloads, admin pages, behind an OpenID Connect sign-in',
      memorySize: 512,
      environment: {
        OIDC_ISSUER_URL: props.userPool.userPoolProviderUrl,
        OIDC_CLIENT_ID: this.client.userPoolClientId,
        USER_POOL_ID: props.userPool.userPoolId,
        PUBLIC_BASE_URL: props.publicBaseUrl,
        SESSIONS_TABLE_NAME: props.sessionsTable.tableName,
        REPORTS_TABLE_NAME: props.reportsTable.tableName,
        REPORTS_BUCKET_NAME: props.reportsBucket.bucketName,
        REPORT_RUNS_QUEUE_URL: props.reportRunsQueue.queueUrl,
        AGGREGATES_TABLE_NAME: props.aggregatesTable.tableName,
        REPORTING_TIME_ZONE: config.reportingTimeZone,
        FIRST_REPORT_MONTH: config.firstReportMonth,
      },
      ...props.logs,
    });
    const portal = this.portal;
    portal.servedThroughEdge(props.edgeOriginSecret, dataKey);
    portal.grantTable(props.sessionsTable, dataKey, [
      'GetItem',
      'PutItem',
      'UpdateItem',
      'DeleteItem',
    ]);
    portal.grantIndexQuery(props.sessionsTable, [SESSIONS_TABLE.indexes.bySubject.name]);
    // The report index and audit log (as the reports API), the run log (as report runs).
    portal.grantTable(props.reportsTable, dataKey, ['GetItem', 'Query', 'PutItem', 'UpdateItem']);
    portal.grantTable(props.aggregatesTable, dataKey, ['PutItem']);
    props.reportRunsQueue.grantSendMessages(portal);
    portal.grantReportObjects(
      config.stage,
      // A download link names the object version the report's index recorded.
      ['s3:GetObject', 's3:GetObjectVersion'],
      'Downloads are presigned GETs of any report file under reports/ of the one bucket; which files a person may fetch (extracts for assessors only) is decided by the same use case as the reports API before it signs, and every download is audited.',
    );
    portal.addToRolePolicy(
      new PolicyStatement({
        actions: [
          // Its own client secret, read at cold start.
          'cognito-idp:DescribeUserPoolClient',
          // Admins manage people.
          'cognito-idp:ListUsersInGroup',
          'cognito-idp:AdminCreateUser',
          'cognito-idp:AdminAddUserToGroup',
          'cognito-idp:AdminRemoveUserFromGroup',
          'cognito-idp:AdminUserGlobalSignOut',
        ],
        resources: [props.userPool.userPoolArn],
      }),
    );
    props.api.addSelfAuthenticatedRoutes(
      'PortalIntegration',
      portal,
      'GET /portal',
      'GET /portal/{proxy+}',
      'POST /portal/{proxy+}',
    );
  }
}
