import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminRemoveUserFromGroupCommand,
  AdminUserGlobalSignOutCommand,
  type CognitoIdentityProviderClient,
  ListUsersInGroupCommand,
  UsernameExistsException,
  type UserType,
} from '@aws-sdk/client-cognito-identity-provider';
import { GROUPS, type Group } from '../../domain/people.ts';
import type { PeopleDirectory, Person } from '../../use-cases/people.ts';

const attribute = (user: UserType, name: string) =>
  user.Attributes?.find((entry) => entry.Name === name)?.Value ?? '';

/** The user pool as the portal's admins manage it. */
export function cognitoPeopleDirectory(
  cognito: CognitoIdentityProviderClient,
  UserPoolId: string,
): PeopleDirectory {
  async function membersOf(GroupName: Group): Promise<Person[]> {
    const people: Person[] = [];
    let NextToken: string | undefined;
    do {
      const page = await cognito.send(
        new ListUsersInGroupCommand({ UserPoolId, GroupName, NextToken }),
      );
      for (const user of page.Users ?? []) {
        people.push({
          username: user.Username ?? '',
          subject: attribute(user, 'sub'),
          email: attribute(user, 'email'),
          status: user.UserStatus ?? '',
        });
      }
      NextToken = page.NextToken;
    } while (NextToken);
    return people.sort((a, b) => a.email.localeCompare(b.email));
  }

  return {
    async members() {
      const lists = await Promise.all(GROUPS.map(membersOf));
      return Object.fromEntries(GROUPS.map((group, i) => [group, lists[i] ?? []])) as Record<
        Group,
        Person[]
      >;
    },

    async invite(email, group) {
      try {
        await cognito.send(
          new AdminCreateUserCommand({
            UserPoolId,
            Username: email,
            UserAttributes: [
              { Name: 'email', Value: email },
              { Name: 'email_verified', Value: 'true' },
            ],
            DesiredDeliveryMediums: ['EMAIL'],
          }),
        );
      } catch (error) {
        // Already a person of the pool (in another group): only the membership is new.
        if (!(error instanceof UsernameExistsException)) throw error;
      }
      await cognito.send(
        new AdminAddUserToGroupCommand({ UserPoolId, Username: email, GroupName: group }),
      );
    },

    async remove(username, group) {
      await cognito.send(
        new AdminRemoveUserFromGroupCommand({ UserPoolId, Username: username, GroupName: group }),
      );
      await cognito.send(new AdminUserGlobalSignOutCommand({ UserPoolId, Username: username }));
    },
  };
}
