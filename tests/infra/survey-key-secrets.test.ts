import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';

type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;
let stateful: Resources;
let stateless: Resources;

function resourcesOf(stackName: string): Resources {
  const file = join(inject('assemblyDirectory'), `${stackName}.template.json`);
  return (JSON.parse(readFileSync(file, 'utf8')) as { Resources: Resources }).Resources;
}

/** The stateful logical id of each survey key purpose's secret, by its logical id's start. */
const PURPOSE_SECRETS = {
  'invitation-id': 'InvitationIdKeySecret',
  'survey-token': 'SurveyTokenKeySecret',
  'phone-hash': 'SurveyKeysSecret',
  'phone-encryption': 'PhoneEncryptionKeySecret',
} as const;
type Purpose = keyof typeof PURPOSE_SECRETS;

function secretId(purpose: Purpose): string {
  const ids = Object.keys(stateful).filter(
    (id) =>
      id.startsWith(PURPOSE_SECRETS[purpose]) &&
      stateful[id]?.Type === 'AWS::SecretsManager::Secret',
  );
  expect(ids, purpose).toHaveLength(1);
  return ids[0] ?? '';
}

/** Every project function's service name and the GetSecretValue resources of its role. */
function secretReadsByFunction(): Map<string, string> {
  const reads = new Map<string, string>();
  for (const fn of Object.values(stateless).filter((r) => r.Type === 'AWS::Lambda::Function')) {
    const variables = (fn.Properties.Environment as { Variables?: Record<string, unknown> })
      ?.Variables;
    const service = variables?.POWERTOOLS_SERVICE_NAME;
    if (typeof service !== 'string') continue;
    const role = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const statements = Object.values(stateless)
      .filter(
        (r) =>
          r.Type === 'AWS::IAM::Policy' &&
          JSON.stringify(r.Properties.Roles).includes(`"Ref":"${role}"`),
      )
      .flatMap(
        (policy) =>
          (policy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement,
      )
      .filter((statement) =>
        ([statement.Action].flat() as string[]).includes('secretsmanager:GetSecretValue'),
      );
    reads.set(service, JSON.stringify(statements.map((statement) => statement.Resource)));
  }
  return reads;
}

beforeAll(() => {
  expect(inject('synthesisError')).toBe('');
  stateful = resourcesOf('Tsq-dev-Stateful');
  stateless = resourcesOf('Tsq-dev-Stateless');
});

describe('survey keys, one secret per purpose', () => {
  it('keeps four secrets, each generated apart and encrypted with the data key', () => {
    const ids = (Object.keys(PURPOSE_SECRETS) as Purpose[]).map(secretId);

    expect(new Set(ids).size).toBe(4);
    for (const id of ids) {
      expect(stateful[id]?.Properties).toMatchObject({
        GenerateSecretString: { GenerateStringKey: 'key', PasswordLength: 64 },
        KmsKeyId: expect.anything(),
      });
    }
  });

  it('lets each function read only the secrets of the purposes it uses', () => {
    // Prepare: which purposes each function derives a key for; every other function none.
    const expected: Record<string, Purpose[]> = {
      'invitation-intake': ['invitation-id', 'survey-token', 'phone-hash', 'phone-encryption'],
      // A reminder carries the invitation's link again: by SMS, or in a webhook.
      'sms-sender': ['survey-token', 'phone-encryption'],
      'case-delivery': ['survey-token'],
      'sms-inbound': ['phone-hash'],
      'sms-inbound-sns': ['phone-hash'],
    };

    // Act
    const reads = secretReadsByFunction();

    // Assess
    expect(reads.size).toBeGreaterThan(10);
    for (const [service, resources] of reads) {
      const readable = (Object.keys(PURPOSE_SECRETS) as Purpose[]).filter((purpose) =>
        resources.includes(secretId(purpose)),
      );
      expect(readable, service).toEqual(expected[service] ?? []);
    }
  });

  it('names to each function only the secrets it may read', () => {
    const variablesOf = (service: string) =>
      Object.values(stateless)
        .filter((r) => r.Type === 'AWS::Lambda::Function')
        .map(
          (fn) => (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables,
        )
        .find((variables) => variables?.POWERTOOLS_SERVICE_NAME === service) ?? {};

    expect(Object.keys(variablesOf('sms-sender'))).toContain('PHONE_ENCRYPTION_KEY_SECRET_ARN');
    expect(Object.keys(variablesOf('sms-sender'))).not.toContain('PHONE_PEPPER_SECRET_ARN');
    expect(Object.keys(variablesOf('sms-inbound'))).toContain('PHONE_PEPPER_SECRET_ARN');
    expect(Object.keys(variablesOf('sms-inbound')).join()).not.toMatch(
      /SURVEY_TOKEN|INVITATION_ID_KEY|PHONE_ENCRYPTION|SURVEY_KEYS/,
    );
  });
});
