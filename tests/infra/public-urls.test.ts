import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { synthesizeApp } from '#sandbox/synthesize.ts';

/** The environment variables of the one function with this Powertools service name. */
function environmentOf(template: Template, serviceName: string) {
  const found = Object.values(template.findResources('AWS::Lambda::Function'))
    .map((fn) => fn.Properties.Environment.Variables as Record<string, unknown>)
    .filter((variables) => variables.POWERTOOLS_SERVICE_NAME === serviceName);
  expect(found, serviceName).toHaveLength(1);
  return found[0] ?? {};
}

describe('public base URLs (context apiBaseUrl and surveyBaseUrl)', () => {
  it.each([
    ['surveyBaseUrl', 'https://s.operator.example/'],
    ['surveyBaseUrl', 'http://s.operator.example'],
    ['surveyBaseUrl', 's.operator.example'],
    ['apiBaseUrl', 'https://api.operator.example/'],
    ['apiBaseUrl', 'https://api.operator.example?stage=prod'],
    ['apiBaseUrl', 'https://user:secret@api.operator.example'],
  ])('refuses %s = %s at synthesis, naming the key and the rule', (key, value) => {
    expect(() => synthesizeApp({ bundle: false, context: { [key]: value } })).toThrow(
      new RegExp(`context "${key}" must be an https URL without a trailing slash`),
    );
  });

  it('signs the SMS webhook against the API URL and makes survey links on their own domain', () => {
    // Prepare: a short-link domain for surveys, the operator's API domain for the rest.
    const { stateless } = synthesizeApp({
      bundle: false,
      context: {
        apiBaseUrl: 'https://api.operator.example',
        surveyBaseUrl: 'https://s.operator.example/q',
      },
    });

    // Act
    const template = Template.fromStack(stateless);

    // Assess
    expect(environmentOf(template, 'sms-inbound').SMS_INBOUND_URL).toBe(
      'https://api.operator.example/sms/inbound',
    );
    expect(environmentOf(template, 'invitation-intake').SURVEY_BASE_URL).toBe(
      'https://s.operator.example/q',
    );
    expect(environmentOf(template, 'portal').PUBLIC_BASE_URL).toBe('https://api.operator.example');
  });
});
