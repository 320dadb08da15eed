import { Stack, type StackProps } from 'aws-cdk-lib';
import { CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import type { EdgeConfig, EdgeRateClass } from './config.ts';

/** The request paths of each public route class that the web ACL limits per client IP. */
export const EDGE_RATE_PATHS: Readonly<
  Record<EdgeRateClass, { path: string; match: 'STARTS_WITH' | 'EXACTLY' }>
> = {
  surveyPages: { path: '/s/', match: 'STARTS_WITH' },
  smsWebhook: { path: '/sms/inbound', match: 'EXACTLY' },
  portal: { path: '/portal', match: 'STARTS_WITH' },
};

/** WAF's rate-based rules count each client IP's requests over this many seconds. */
export const EDGE_RATE_WINDOW_SECONDS = 300;

export interface EdgeAclStackProps extends StackProps {
  edge: EdgeConfig;
}

/**
 * The AWS WAF web ACL of the edge, in us-east-1 because a web ACL that CloudFront takes
 * (scope CLOUDFRONT) lives nowhere else. One rate-based rule per public route class blocks
 * a client IP above its limit on those paths only; the AWS managed common rule set counts
 * (or, by `edgeCommonRules=block`, blocks) what it matches on every path.
 */
export class EdgeAclStack extends Stack {
  readonly webAcl: CfnWebACL;

  constructor(scope: Construct, id: string, props: EdgeAclStackProps) {
    super(scope, id, props);
    const visibility = (metricName: string) => ({
      metricName,
      cloudWatchMetricsEnabled: true,
      // Sampled requests name client IPs: seen in the console for three hours, then gone.
      sampledRequestsEnabled: true,
    });
    const rateRules = (Object.keys(EDGE_RATE_PATHS) as EdgeRateClass[]).map(
      (routeClass, priority): CfnWebACL.RuleProperty => {
        const { path, match } = EDGE_RATE_PATHS[routeClass];
        const name = `${routeClass}PerClientIp`;
        return {
          name,
          priority,
          action: { block: {} },
          statement: {
            rateBasedStatement: {
              aggregateKeyType: 'IP',
              limit: props.edge.rateLimits[routeClass],
              evaluationWindowSec: EDGE_RATE_WINDOW_SECONDS,
              scopeDownStatement: {
                byteMatchStatement: {
                  fieldToMatch: { uriPath: {} },
                  positionalConstraint: match,
                  searchString: path,
                  textTransformations: [{ priority: 0, type: 'NONE' }],
                },
              },
            },
          },
          visibilityConfig: visibility(name),
        };
      },
    );
    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      scope: 'CLOUDFRONT',
      description: 'Telecom service quality: per-client limits on the public routes',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('TsqEdge'),
      rules: [
        ...rateRules,
        {
          name: 'AwsCommonRules',
          priority: rateRules.length,
          // Counted unless the operator has watched its matches and turns blocking on: a
          // survey comment or an SMS text may look like what it blocks (docs/operations.md).
          overrideAction: props.edge.commonRules === 'block' ? { none: {} } : { count: {} },
          statement: {
            managedRuleGroupStatement: {
              vendorName: 'AWS',
              name: 'AWSManagedRulesCommonRuleSet',
            },
          },
          visibilityConfig: visibility('AwsCommonRules'),
        },
      ],
    });
  }
}
