import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { matchesPattern } from '#sandbox/triggers/event-filter.ts';
import {
  caseIdFor,
  caseOpenedPayload,
  DEFAULT_FOLLOW_UP_RULE,
  followUpImageConditions,
  invitationIdOfCase,
  needsFollowUp,
  openFollowUpCase,
} from '#shared/domain/follow-up.ts';
import { followUpRules, TOUCHPOINTS } from '#shared/domain/survey-definitions.ts';
import { standardWebhookHeaders } from '#shared/http/standard-webhooks.ts';
import { answeredLinkPattern } from '#shared/tables/surveys.ts';

/** A link's stream record as it becomes answered, numbers as strings as DynamoDB gives them. */
function answeredRecord(touchpoint: string, csat: number, nps?: number, comment?: string) {
  return {
    eventName: 'MODIFY',
    dynamodb: {
      Keys: { pk: { S: 'TOKEN#abc' }, sk: { S: 'TOKEN' } },
      NewImage: {
        sk: { S: 'TOKEN' },
        touchpoint: { S: touchpoint },
        answeredAt: { S: '2026-10-08T01:00:00.000Z' },
        csat: { N: String(csat) },
        ...(nps !== undefined ? { nps: { N: String(nps) } } : {}),
        ...(comment !== undefined ? { comment: { S: comment } } : {}),
      },
      OldImage: { sk: { S: 'TOKEN' }, touchpoint: { S: touchpoint } },
    },
  };
}

describe('the follow-up rule', () => {
  it('opens a case for CSAT 2 or less, NPS 6 or less, or a comment with CSAT 3 or less, by default', () => {
    // Prepare
    const rule = DEFAULT_FOLLOW_UP_RULE;

    // Act and Assess
    expect(needsFollowUp(rule, { csat: 2, nps: 9 })).toBe(true);
    expect(needsFollowUp(rule, { csat: 4, nps: 6 })).toBe(true);
    expect(needsFollowUp(rule, { csat: 3, nps: 8, comment: 'slow' })).toBe(true);
    expect(needsFollowUp(rule, { csat: 3, nps: 7 })).toBe(false);
    expect(needsFollowUp(rule, { csat: 4, nps: 7, comment: 'fine' })).toBe(false);
    expect(needsFollowUp(rule, { csat: 3 })).toBe(false);
  });

  it("is each touchpoint's own, from its survey definition", () => {
    // Prepare
    const rules = followUpRules();

    // Act
    const touchpoints = Object.keys(rules);

    // Assess
    expect(touchpoints.sort()).toEqual([...TOUCHPOINTS].sort());
    for (const touchpoint of TOUCHPOINTS) expect(rules[touchpoint]).toEqual(DEFAULT_FOLLOW_UP_RULE);
  });

  it('opens no case when a rule names no condition', () => {
    // Act and Assess
    expect(needsFollowUp({}, { csat: 1, nps: 0, comment: 'awful' })).toBe(false);
  });

  it('lets exactly the answers that meet the rule through the stream filter, for every score', () => {
    // Prepare: the hotline is stricter than the other touchpoints.
    const rules = {
      ...followUpRules(),
      hotline: { csatAtMost: 3, npsAtMost: 4 },
    };
    const patterns = followUpImageConditions(rules).map(answeredLinkPattern);
    const disagreements: string[] = [];

    // Act
    for (const touchpoint of TOUCHPOINTS) {
      for (let csat = 1; csat <= 5; csat += 1) {
        for (const nps of [undefined, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) {
          for (const comment of [undefined, 'call me']) {
            const record = answeredRecord(touchpoint, csat, nps, comment);
            const filtered = patterns.some((pattern) => matchesPattern(record, pattern));
            const expected = needsFollowUp(rules[touchpoint], { csat, nps, comment });
            if (filtered !== expected)
              disagreements.push(`${touchpoint} ${csat} ${nps} ${comment}`);
          }
        }
      }
    }

    // Assess
    expect(disagreements).toEqual([]);
    expect(patterns.length).toBeLessThanOrEqual(5);
  });

  it('needs three stream filters for the default rule, and refuses rules that need more than five', () => {
    // Prepare
    const varied = Object.fromEntries(
      TOUCHPOINTS.map((touchpoint, index) => [touchpoint, { csatAtMost: index + 1 }]),
    );
    const tooVaried = { ...varied, store: { csatAtMost: 1, npsAtMost: 3 } };

    // Act and Assess
    expect(followUpImageConditions(followUpRules())).toHaveLength(3);
    expect(followUpImageConditions(varied)).toHaveLength(5);
    expect(() => followUpImageConditions(tooVaried)).toThrow(/Lambda allows 5/);
  });

  it('lets no unanswered or already answered link through', () => {
    // Prepare
    const patterns = followUpImageConditions(followUpRules()).map(answeredLinkPattern);
    const again = answeredRecord('store', 1, 0);
    again.dynamodb.OldImage = { ...again.dynamodb.NewImage };
    const inserted = { ...answeredRecord('store', 1, 0), eventName: 'INSERT' };

    // Act and Assess
    expect(patterns.some((pattern) => matchesPattern(again, pattern))).toBe(false);
    expect(patterns.some((pattern) => matchesPattern(inserted, pattern))).toBe(false);
  });
});

describe('a follow-up case', () => {
  it('carries what a person needs to call the customer back', () => {
    // Prepare
    const invitationId = 'AAAAAAAAAAAAAAAAAAAAAA';

    // Act
    const opened = openFollowUpCase({
      invitationId,
      customerRef: 'C-1029384',
      touchpoint: 'store',
      answeredBy: 'sms',
      region: 'GD-SZ',
      service: 'mobile_data',
      answers: { csat: 2, nps: 3, comment: '排队太久' },
      answeredAt: '2026-10-08T02:00:00.000Z',
      now: new Date('2026-10-08T02:00:05.000Z'),
    });

    // Assess
    expect(opened).toEqual({
      caseId: `case_${invitationId}`,
      invitationId,
      customerRef: 'C-1029384',
      touchpoint: 'store',
      channel: 'sms',
      region: 'GD-SZ',
      service: 'mobile_data',
      csat: 2,
      nps: 3,
      comment: '排队太久',
      answeredAt: '2026-10-08T02:00:00.000Z',
      openedAt: '2026-10-08T02:00:05.000Z',
    });
    expect(JSON.parse(caseOpenedPayload(opened))).toEqual({
      type: 'case.opened',
      timestamp: '2026-10-08T02:00:05.000Z',
      data: opened,
    });
  });

  it('has an id its invitation can be found by, and refuses ids that are not ours', () => {
    // Act and Assess
    expect(invitationIdOfCase(caseIdFor('Zm9vYmFyYmF6cXV4cXV1eA'))).toBe('Zm9vYmFyYmF6cXV4cXV1eA');
    expect(invitationIdOfCase('case_short')).toBeUndefined();
    expect(invitationIdOfCase('Zm9vYmFyYmF6cXV4cXV1eA')).toBeUndefined();
  });
});

describe('standardWebhookHeaders', () => {
  const secret = `whsec_${Buffer.from('a'.repeat(32)).toString('base64')}`;
  const previous = `whsec_${Buffer.from('b'.repeat(32)).toString('base64')}`;
  const body = JSON.stringify({ type: 'case.opened', data: { caseId: 'case_x' } });

  it('signs a message that the official standardwebhooks package verifies', () => {
    // Act
    const headers = standardWebhookHeaders({
      id: 'msg_1',
      timestamp: new Date(),
      body,
      secrets: [secret],
    });

    // Assess
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('signs with both secrets during a rotation, so either verifies', () => {
    // Act
    const headers = standardWebhookHeaders({
      id: 'msg_2',
      timestamp: new Date(),
      body,
      secrets: [secret, previous],
    });

    // Assess
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(secret).verify(body, headers)).toBeTruthy();
    expect(new Webhook(previous).verify(body, headers)).toBeTruthy();
  });

  it('signs nothing that another secret or a changed body verifies', () => {
    // Prepare
    const headers = standardWebhookHeaders({
      id: 'msg_3',
      timestamp: new Date(),
      body,
      secrets: [secret],
    });

    // Act and Assess
    expect(() => new Webhook(previous).verify(body, headers)).toThrow(/No matching signature/);
    expect(() => new Webhook(secret).verify(`${body} `, headers)).toThrow(/No matching signature/);
  });
});
