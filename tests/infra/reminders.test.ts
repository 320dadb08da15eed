import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { synthesizeApp } from '#sandbox/synthesize.ts';

/** The environment of the stateless stack's function whose variables include `marker`. */
function environmentOf(template: Template, marker: string): Record<string, unknown> {
  const fn = Object.values(template.findResources('AWS::Lambda::Function')).find((found) =>
    JSON.stringify(found.Properties.Environment).includes(marker),
  );
  return (fn?.Properties.Environment?.Variables ?? {}) as Record<string, unknown>;
}

describe('reminders in the stacks', () => {
  // Synthesis fails on any unacknowledged cdk-nag finding.
  const withEndpoint = synthesizeApp({
    bundle: false,
    context: {
      reminderAfterDays: 2,
      followUpEndpoints: [
        {
          name: 'crm',
          url: 'https://crm.operator.example/hooks',
          eventTypes: ['invitation.reminder_due'],
        },
        {
          name: 'tickets',
          url: 'https://tickets.operator.example/hooks',
          eventTypes: ['case.opened'],
        },
      ],
    },
  });
  const stateless = Template.fromStack(withEndpoint.stateless);

  it('runs every five minutes from a schedule that passes its scheduled time', () => {
    // Assess
    stateless.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0/5 * * * ? *)',
      Target: Match.objectLike({
        Input: JSON.stringify({ scheduledTime: '<aws.scheduler.scheduled-time>' }),
      }),
    });
  });

  it('reminds web invitations only through endpoints that take invitation.reminder_due', () => {
    // Act
    const intake = environmentOf(stateless, 'REMINDER_CHANNELS');
    const reminders = environmentOf(stateless, 'REMINDER_DUE_ENDPOINTS');
    const withoutEndpoint = Template.fromStack(synthesizeApp({ bundle: false }).stateless);

    // Assess
    expect(intake.REMINDER_AFTER_DAYS).toBe('2');
    expect(intake.REMINDER_CHANNELS).toBe('["sms","web"]');
    expect(reminders.REMINDER_DUE_ENDPOINTS).toBe(
      JSON.stringify({ crm: 'https://crm.operator.example/hooks' }),
    );
    expect(environmentOf(withoutEndpoint, 'REMINDER_CHANNELS').REMINDER_CHANNELS).toBe('["sms"]');
    expect(environmentOf(withoutEndpoint, 'REMINDER_CHANNELS').REMINDER_AFTER_DAYS).toBe('3');
  });

  it('refuses a reminderAfterDays that is negative, fractional or not before the link expires', () => {
    for (const value of [-1, 1.5, 7, 9]) {
      expect(() => synthesizeApp({ bundle: false, context: { reminderAfterDays: value } })).toThrow(
        /reminderAfterDays/,
      );
    }
    expect(() => synthesizeApp({ bundle: false, context: { reminderAfterDays: 0 } })).not.toThrow();
  });
});
