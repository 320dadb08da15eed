import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  OriginSslPolicy,
  PriceClass,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { EDGE_ORIGIN_HEADER } from '#shared/http/edge-origin.ts';
import type { EdgeConfig } from '../config.ts';

/** Days CloudFront's access logs are kept: they name client IPs, which are personal data. */
export const EDGE_LOG_DAYS = 30;

export interface ServiceEdgeProps {
  api: HttpApi;
  edge: EdgeConfig;
  /** The web ACL (in us-east-1) that inspects every request before it is passed on. */
  webAclArn: string;
  /** Its `current` value is the header CloudFront adds, which the public routes require. */
  originSecret: ISecret;
}

/**
 * A CloudFront distribution in front of the HTTP API, for the web ACL it carries (an HTTP
 * API takes AWS WAF only this way) and, optionally, the operator's own domain. Nothing is
 * cached: every route answers per request, and the functions see every viewer header,
 * cookie and query string but the Host, which must be the API's own.
 */
export class ServiceEdge extends Construct {
  readonly distribution: Distribution;
  /** `https://` and the operator's domain, or the distribution's own. */
  readonly baseUrl: string;

  constructor(scope: Construct, id: string, props: ServiceEdgeProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { edge } = props;

    const logs = new Bucket(this, 'AccessLogsBucket', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // CloudFront's standard logs are delivered under the bucket's ACL.
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(EDGE_LOG_DAYS) }],
      // Kept when the stack goes (a bucket with logs cannot be deleted); it empties itself.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(logs).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        "This bucket holds the distribution's access logs; logging a log bucket would log its own log deliveries, and what reads the logs is limited by the account's IAM.",
    });

    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'Telecom service quality: the public routes behind AWS WAF',
      defaultBehavior: {
        origin: new HttpOrigin(
          `${props.api.apiId}.execute-api.${stack.region}.${stack.urlSuffix}`,
          {
            protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
            originSslProtocols: [OriginSslPolicy.TLS_V1_2],
            customHeaders: {
              // A dynamic reference, resolved by CloudFormation: the template holds no value.
              [EDGE_ORIGIN_HEADER]: props.originSecret
                .secretValueFromJson('current')
                .unsafeUnwrap(),
            },
          },
        ),
        allowedMethods: AllowedMethods.ALLOW_ALL,
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: CachePolicy.CACHING_DISABLED,
        originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        compress: true,
      },
      ...(edge.domain && edge.certificateArn
        ? {
            domainNames: [edge.domain],
            certificate: Certificate.fromCertificateArn(this, 'Certificate', edge.certificateArn),
            minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {}),
      webAclId: props.webAclArn,
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_ALL,
      enableLogging: true,
      logBucket: logs,
      logFilePrefix: 'cloudfront/',
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason:
        "No geo restriction: customers answer surveys and reply by SMS while roaming abroad, and the SMS gateway's webhooks come from its own data centres wherever they are; the web ACL's per-client limits are the protection, not a country list.",
    });
    if (!edge.domain) {
      Validations.of(this.distribution).acknowledge({
        id: 'AwsSolutions-CFR4',
        reason:
          "Without -c edgeDomain the distribution answers on its own *.cloudfront.net name with CloudFront's default certificate, whose security policy CloudFront fixes (TLSv1) and no setting changes; with the operator's domain the minimum is TLSv1.2_2021 (docs/operations.md, The edge).",
      });
    }
    this.baseUrl = `https://${edge.domain ?? this.distribution.distributionDomainName}`;
  }
}
