import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { synthesizeApp } from '#sandbox/synthesize.ts';

/** Each project function's OPERATOR_SOURCE_CIDRS, by Powertools service name. */
function allowListsOf(template: Template): Map<string, unknown> {
  const lists = new Map<string, unknown>();
  for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
    const variables = fn.Properties.Environment?.Variables as Record<string, unknown> | undefined;
    const service = variables?.POWERTOOLS_SERVICE_NAME;
    if (typeof service !== 'string') continue;
    const list = variables?.OPERATOR_SOURCE_CIDRS;
    lists.set(service, typeof list === 'string' ? JSON.parse(list) : undefined);
  }
  return lists;
}

describe('operator source networks (context operatorSourceCidrs)', () => {
  it('hands the networks to the three operator routes’ functions, and to no other', () => {
    // Prepare / Act
    const { stateless } = synthesizeApp({
      bundle: false,
      context: { operatorSourceCidrs: '203.0.113.0/24,2001:db8:42::/48' },
    });
    const lists = allowListsOf(Template.fromStack(stateless));

    // Assess
    const operatorRoutes = ['complaint-intake', 'invitation-intake', 'case-events'];
    for (const service of operatorRoutes) {
      expect(lists.get(service), service).toEqual(['203.0.113.0/24', '2001:db8:42::/48']);
    }
    for (const [service, list] of lists) {
      if (!operatorRoutes.includes(service)) expect(list, service).toBeUndefined();
    }
  });

  it.each(['203.0.113.0', '203.0.113.0/33', 'office-network/24'])(
    'refuses operatorSourceCidrs = %s at synthesis',
    (value) => {
      expect(() =>
        synthesizeApp({ bundle: false, context: { operatorSourceCidrs: value } }),
      ).toThrow(/context "operatorSourceCidrs"/);
    },
  );
});
