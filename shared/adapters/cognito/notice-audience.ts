import {
  type CognitoIdentityProviderClient,
  ListUsersInGroupCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import type { NoticeAudience, NoticeRecipient } from '../../use-cases/publication-notices.ts';

/** The user pool's groups as a notice's audience: enabled people with an address, each once. */
export function cognitoNoticeAudience(
  cognito: CognitoIdentityProviderClient,
  UserPoolId: string,
): NoticeAudience {
  return {
    async membersOf(groups) {
      const bySubject = new Map<string, NoticeRecipient>();
      for (const GroupName of groups) {
        let NextToken: string | undefined;
        do {
          const page = await cognito.send(
            new ListUsersInGroupCommand({ UserPoolId, GroupName, NextToken }),
          );
          for (const user of page.Users ?? []) {
            const value = (name: string) =>
              user.Attributes?.find((attribute) => attribute.Name === name)?.Value;
            const subject = value('sub');
            const email = value('email');
            if (user.Enabled === false || !subject || !email) continue;
            bySubject.set(subject, { subject, email });
          }
          NextToken = page.NextToken;
        } while (NextToken);
      }
      return [...bySubject.values()];
    },
  };
}
