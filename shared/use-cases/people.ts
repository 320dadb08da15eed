import * as z from 'zod/mini';
import { InvalidInputError } from '../domain/errors.ts';
import { ADMINS, type Caller, GROUPS, type Group, requireAnyGroup } from '../domain/people.ts';
import { fieldErrorsOf } from '../domain/validation.ts';
import type { DownloadRecord } from './report-access.ts';

/** A person of the user pool, as an admin sees them. */
export interface Person {
  username: string;
  subject: string;
  email: string;
  /** The user pool's status: FORCE_CHANGE_PASSWORD until the invitation is taken up. */
  status: string;
}

/** The user pool's people and groups. */
export interface PeopleDirectory {
  /** The members of each group. */
  members(): Promise<Record<Group, Person[]>>;
  /** Creates the person (the user pool mails a temporary password) and adds them to a group. */
  invite(email: string, group: Group): Promise<void>;
  /** Takes the person out of the group and ends their user pool sessions. */
  remove(username: string, group: Group): Promise<void>;
}

/** What an admin's invitation or removal names. */
export const MembershipSchema = z.object({
  email: z.string().check(z.trim(), z.maxLength(254), z.regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/)),
  group: z.enum(GROUPS),
});

function membershipOf(fields: unknown) {
  const parsed = MembershipSchema.safeParse(fields);
  if (!parsed.success) {
    throw new InvalidInputError(
      'The e-mail address or group is not valid.',
      fieldErrorsOf(parsed.error),
    );
  }
  return parsed.data;
}

/** Who is in which group, for admins. */
export async function listPeople(
  directory: PeopleDirectory,
  caller: Caller,
): Promise<Record<Group, Person[]>> {
  requireAnyGroup(caller, ADMINS);
  return directory.members();
}

/** An admin invites a person into a group; the user pool mails the temporary password. */
export async function invitePerson(
  directory: PeopleDirectory,
  caller: Caller,
  fields: unknown,
): Promise<{ email: string; group: Group }> {
  requireAnyGroup(caller, ADMINS);
  const { email, group } = membershipOf(fields);
  await directory.invite(email.toLowerCase(), group);
  return { email: email.toLowerCase(), group };
}

/**
 * An admin takes a person out of a group: the user pool ends their sessions there, and
 * `endPortalSessions` ends theirs here, so the removal holds at once. An admin cannot
 * remove themselves from the admins (someone must be left to manage people).
 */
export async function removePerson(
  directory: PeopleDirectory,
  caller: Caller,
  fields: unknown,
  endPortalSessions: (subject: string) => Promise<unknown>,
): Promise<{ email: string; group: Group }> {
  requireAnyGroup(caller, ADMINS);
  const { email, group } = membershipOf(fields);
  const members = await directory.members();
  const person = members[group].find((member) => member.email === email.toLowerCase());
  if (!person) {
    throw new InvalidInputError('No such member.', [
      { pointer: '/email', detail: `is not a member of ${group}` },
    ]);
  }
  if (group === 'admins' && person.subject === caller.subject) {
    throw new InvalidInputError('Admins cannot remove themselves from the admins.', [
      { pointer: '/email', detail: 'is you' },
    ]);
  }
  await directory.remove(person.username, group);
  await endPortalSessions(person.subject);
  return { email: person.email, group };
}

/** The audit log as admins read it: each download with the e-mail of who took it. */
export async function readDownloadAudit(
  dependencies: {
    directory: PeopleDirectory;
    downloads: (now: Date, days: number, limit: number) => Promise<DownloadRecord[]>;
    now: () => Date;
  },
  caller: Caller,
  days = 30,
): Promise<(DownloadRecord & { email?: string })[]> {
  requireAnyGroup(caller, ADMINS);
  const [records, members] = await Promise.all([
    dependencies.downloads(dependencies.now(), days, 500),
    dependencies.directory.members(),
  ]);
  // The log keeps subjects only; the user pool says whose they are (while they are in it).
  const emails = new Map(
    Object.values(members)
      .flat()
      .map((person) => [person.subject, person.email]),
  );
  return records.map((record) => {
    const email = emails.get(record.subject);
    return email ? { ...record, email } : record;
  });
}
