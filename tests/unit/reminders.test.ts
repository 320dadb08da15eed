import { describe, expect, it } from 'vitest';
import {
  REMINDER_SHARDS,
  reminderDueAt,
  reminderHoursUpTo,
  reminderShardOf,
  reminderSmsText,
} from '#shared/domain/reminders.ts';
import { surveyKeys } from '#shared/tables/surveys.ts';

const createdAt = '2026-10-08T02:42:00.000Z';
const sevenDaysLater = '2026-10-15T02:42:00.000Z';

describe('reminderDueAt', () => {
  it('is three days after the invitation was made, by default settings', () => {
    // Act
    const due = reminderDueAt({ createdAt, expiresAt: sevenDaysLater, afterDays: 3 });

    // Assess
    expect(due?.toISOString()).toBe('2026-10-11T02:42:00.000Z');
  });

  it('counts from when a deferred SMS goes out, not from when it was asked for', () => {
    // Act
    const due = reminderDueAt({
      createdAt: '2026-10-08T13:30:00.000Z',
      sendAt: '2026-10-09T00:00:00.000Z',
      expiresAt: '2026-10-15T13:30:00.000Z',
      afterDays: 3,
    });

    // Assess
    expect(due?.toISOString()).toBe('2026-10-12T00:00:00.000Z');
  });

  it('is never when reminders are off (0 days)', () => {
    expect(reminderDueAt({ createdAt, expiresAt: sevenDaysLater, afterDays: 0 })).toBeUndefined();
  });

  it('is never when the link expires before or as the reminder would come due', () => {
    // Act
    const afterExpiry = reminderDueAt({
      createdAt,
      expiresAt: '2026-10-10T02:42:00.000Z',
      afterDays: 3,
    });
    const atExpiry = reminderDueAt({
      createdAt,
      expiresAt: '2026-10-11T02:42:00.000Z',
      afterDays: 3,
    });
    const justBefore = reminderDueAt({
      createdAt,
      expiresAt: '2026-10-11T02:42:00.001Z',
      afterDays: 3,
    });

    // Assess
    expect(afterExpiry).toBeUndefined();
    expect(atExpiry).toBeUndefined();
    expect(justBefore?.toISOString()).toBe('2026-10-11T02:42:00.000Z');
  });
});

describe('due reminder keys', () => {
  it('file a reminder under its due hour and a stable shard, sorted by due time', () => {
    // Act
    const key = surveyKeys.reminderDue('q3TqD0w7YlVhQ2n1mH6bZA', '2026-10-11T02:42:00.000Z');

    // Assess
    expect(key.pk).toBe(`REMINDERS#2026-10-11T02#${reminderShardOf('q3TqD0w7YlVhQ2n1mH6bZA')}`);
    expect(key.sk).toBe('REMINDER#2026-10-11T02:42:00.000Z#q3TqD0w7YlVhQ2n1mH6bZA');
  });

  it('spread invitations over every shard', () => {
    // Act
    const shards = new Set(
      Array.from({ length: 200 }, (_, index) => reminderShardOf(`invitation-${index}`)),
    );

    // Assess
    expect(shards.size).toBe(REMINDER_SHARDS);
  });

  it('are read by a run from the lookback hours up to its own, across midnight', () => {
    expect(reminderHoursUpTo(new Date('2026-10-11T01:05:00.000Z'), 2)).toEqual([
      '2026-10-10T23',
      '2026-10-11T00',
      '2026-10-11T01',
    ]);
  });
});

describe('reminderSmsText', () => {
  it('asks the first question again with the same link, in the invitation locale', () => {
    const url = 'https://s.example.com/s/abc';
    expect(reminderSmsText('en', url)).toContain(url);
    expect(reminderSmsText('en', url)).toContain('Reply 1-5');
    expect(reminderSmsText('zh-CN', url)).toContain(url);
    expect(reminderSmsText('zh-CN', url)).toContain('回复TD退订');
  });
});
