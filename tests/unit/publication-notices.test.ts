import { describe, expect, it } from 'vitest';
import { audienceOf, renderNoticeEmail } from '#shared/domain/publication-notice.ts';
import { BUILT_IN_PROFILES } from '#shared/indicators/profiles.ts';
import {
  type NoticeRecipient,
  NoticesNotSentError,
  type PublicationNotices,
  sendPublicationNotices,
} from '#shared/use-cases/publication-notices.ts';

const publication = {
  reportId: '20261201T030000Z-1f2e3d4c5b6a',
  profile: 'cn-miit',
  period: '2026-Q3',
  edition: 1,
};
const people: NoticeRecipient[] = [
  { subject: 'sub-regulator', email: 'regulator@operator.example' },
  { subject: 'sub-assessor', email: 'assessor@operator.example' },
];

/** The use case over in-memory ports; `refuse` names the addresses SES refuses. */
function notices(refuse: Set<string> = new Set()) {
  const sentTo: string[] = [];
  const log = new Set<string>();
  const groupsAsked: string[][] = [];
  const ports: PublicationNotices = {
    audience: {
      async membersOf(groups) {
        groupsAsked.push([...groups]);
        return people;
      },
    },
    log: {
      wasSent: async (reportId, subject) => log.has(`${reportId}#${subject}`),
      sent: async (reportId, subject) => {
        log.add(`${reportId}#${subject}`);
      },
    },
    mailer: {
      async send(to) {
        if (refuse.has(to)) throw Object.assign(new Error('refused'), { name: 'MessageRejected' });
        sentTo.push(to);
      },
    },
    profiles: BUILT_IN_PROFILES,
    portalUrl: 'https://quality.operator.example/portal',
    now: () => new Date('2026-12-01T03:10:00Z'),
  };
  return { ports, sentTo, groupsAsked, refuse };
}

describe('renderNoticeEmail', () => {
  it('names the profile, period, edition and the portal link, in Chinese and English', () => {
    const email = renderNoticeEmail(
      publication,
      BUILT_IN_PROFILES['cn-miit'],
      'https://quality.operator.example/portal',
    );

    expect(email.subject).toBe('报告已发布 / Report published: cn-miit 2026-Q3');
    expect(email.text).toContain(BUILT_IN_PROFILES['cn-miit'].name['zh-CN']);
    expect(email.text).toContain(BUILT_IN_PROFILES['cn-miit'].name.en);
    expect(email.text).toContain(
      'https://quality.operator.example/portal/reports/20261201T030000Z-1f2e3d4c5b6a',
    );
    expect(email.text).toContain('edition 1.');
  });
});

describe('sendPublicationNotices', () => {
  it("tells the profile's audience, regulators and assessors unless it names one", async () => {
    const { ports, sentTo, groupsAsked } = notices();

    const outcome = await sendPublicationNotices(ports, publication);

    expect(audienceOf(BUILT_IN_PROFILES['cn-miit'])).toEqual(['regulators', 'assessors']);
    expect(groupsAsked).toEqual([['regulators', 'assessors']]);
    expect(sentTo).toEqual(['regulator@operator.example', 'assessor@operator.example']);
    expect(outcome).toEqual({ sent: 2, alreadySent: 0, recipients: 2 });
  });

  it('sends the others when SES refuses one, fails for the retry, and the retry tells only that one', async () => {
    const { ports, sentTo, refuse } = notices(new Set(['regulator@operator.example']));

    await expect(sendPublicationNotices(ports, publication)).rejects.toThrow(NoticesNotSentError);
    refuse.clear();
    const retry = await sendPublicationNotices(ports, publication);

    expect(sentTo).toEqual(['assessor@operator.example', 'regulator@operator.example']);
    expect(retry).toEqual({ sent: 1, alreadySent: 1, recipients: 2 });
  });
});
