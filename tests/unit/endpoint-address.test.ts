import { describe, expect, it } from 'vitest';
import { readWebhookEndpoints } from '#infra/config.ts';
import { endpointUrlProblem, isDeliverableAddress } from '#shared/domain/endpoint-address.ts';

describe('webhook endpoint addresses', () => {
  it('refuse private, loopback, link-local and reserved addresses, mapped ones too', () => {
    // Act and Assess
    for (const address of [
      '10.1.2.3',
      '172.20.0.1',
      '192.168.1.1',
      '127.0.0.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fe80::1',
      'fd00::1',
      '::ffff:10.0.0.1',
    ]) {
      expect(isDeliverableAddress(address), address).toBe(false);
    }
    expect(isDeliverableAddress('203.0.113.9')).toBe(true);
    expect(isDeliverableAddress('2001:db8::1')).toBe(true);
  });

  it('take only https URLs of public hosts, unless the sandbox delivers to its loopback', () => {
    // Act and Assess
    expect(endpointUrlProblem('https://tickets.operator.example/hooks')).toBeUndefined();
    expect(endpointUrlProblem('http://tickets.operator.example/hooks')).toBe(
      'must be an https URL',
    );
    expect(endpointUrlProblem('https://169.254.169.254/latest')).toMatch(/link-local/);
    expect(endpointUrlProblem('https://[::1]/hooks')).toMatch(/loopback/);
    expect(endpointUrlProblem('https://localhost/hooks')).toBe('names a local host');
    expect(endpointUrlProblem('https://user:pw@tickets.operator.example/')).toMatch(/credentials/);
    expect(endpointUrlProblem('http://127.0.0.1:8080/hooks')).toBe('must be an https URL');
    expect(
      endpointUrlProblem('http://127.0.0.1:8080/hooks', { allowLoopback: true }),
    ).toBeUndefined();
    expect(endpointUrlProblem('http://10.0.0.1/hooks', { allowLoopback: true })).toBe(
      'must be an https URL',
    );
  });
});

describe('the followUpEndpoints setting', () => {
  it('reads endpoints, taking cases alone unless they name reminders too', () => {
    // Act
    const endpoints = readWebhookEndpoints(
      '[{"name":"ticketing","url":"https://tickets.operator.example/hooks"}]',
    );

    // Assess
    expect(endpoints).toEqual([
      {
        name: 'ticketing',
        url: 'https://tickets.operator.example/hooks',
        eventTypes: ['case.opened'],
      },
    ]);
    expect(readWebhookEndpoints(undefined)).toEqual([]);
    expect(
      readWebhookEndpoints([
        {
          name: 'crm',
          url: 'https://crm.operator.example/hooks',
          eventTypes: ['case.opened', 'invitation.reminder_due'],
        },
      ])[0]?.eventTypes,
    ).toEqual(['case.opened', 'invitation.reminder_due']);
  });

  it('fails synthesis for a URL that is not https or names a private address, and for bad names', () => {
    // Act and Assess
    expect(() => readWebhookEndpoints([{ name: 'crm', url: 'http://tickets.example' }])).toThrow(
      /https/,
    );
    expect(() => readWebhookEndpoints([{ name: 'crm', url: 'https://10.0.0.8/hooks' }])).toThrow(
      /private/,
    );
    expect(() => readWebhookEndpoints([{ name: 'Bad Name', url: 'https://a.example' }])).toThrow(
      /must match/,
    );
    expect(() =>
      readWebhookEndpoints([
        { name: 'crm', url: 'https://a.example', eventTypes: ['case.closed'] },
      ]),
    ).toThrow(/eventTypes/);
  });
});
