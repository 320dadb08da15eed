import {
  type CognitoIdentityProviderClient,
  DescribeUserPoolClientCommand,
} from '@aws-sdk/client-cognito-identity-provider';

/**
 * A confidential app client's secret, read from the user pool itself: the secret never
 * sits in the template, in an environment variable or in another store to keep in step.
 */
export async function appClientSecret(
  cognito: CognitoIdentityProviderClient,
  userPoolId: string,
  clientId: string,
): Promise<string> {
  const { UserPoolClient } = await cognito.send(
    new DescribeUserPoolClientCommand({ UserPoolId: userPoolId, ClientId: clientId }),
  );
  if (!UserPoolClient?.ClientSecret) throw new Error(`app client ${clientId} has no secret`);
  return UserPoolClient.ClientSecret;
}
