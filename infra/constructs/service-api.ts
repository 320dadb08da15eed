import { Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  type HttpMethod,
  HttpStage,
  LogGroupLogDestination,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IUserPool, IUserPoolClient } from 'aws-cdk-lib/aws-cognito';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { FunctionLogs } from './project-function.ts';

/**
 * Routes authenticated inside the function rather than by an API Gateway authorizer: by
 * an HMAC signature (docs/design.md §4.1), by possession of a survey token (§4.4), or by
 * the portal's server-side session (§4.3). Infra tests hold every route to this list or a
 * JWT authorizer.
 */
export const FUNCTION_AUTHENTICATED_ROUTES = [
  'POST /webhooks/complaints/{source}',
  'POST /invitations',
  'POST /cases/{caseId}/events',
  'GET /s/{token}',
  'POST /s/{token}',
  'POST /sms/inbound',
  'GET /portal',
  'GET /portal/{proxy+}',
  'POST /portal/{proxy+}',
] as const;

/** The portal's routes (§4.5): people in a browser, by session cookie. */
export const PORTAL_ROUTES = FUNCTION_AUTHENTICATED_ROUTES.filter((key) =>
  /^(GET|POST) \/portal\b/.test(key),
);

/** Routes anyone may call: the public key that verifies reports is meant to be public. */
export const PUBLIC_ROUTES = ['GET /reports/signing-key'] as const;

/** `METHOD /path`, as API Gateway writes a route key. */
export type RouteKey = `${HttpMethod} /${string}`;

export interface ServiceApiProps {
  /** Regulators, assessors and admins sign in here; their access tokens open people's routes. */
  userPool: IUserPool;
  userPoolClient: IUserPoolClient;
  /** Retention of the access log, as for the functions' logs. */
  logs: FunctionLogs;
}

/**
 * The HTTP API, whose routes each say how their caller is authenticated: people by the
 * user pool's JWT authorizer, operator systems, customers and the SMS gateway by the
 * function itself (only the routes in FUNCTION_AUTHENTICATED_ROUTES), anyone on the
 * routes in PUBLIC_ROUTES. Its `$default` stage throttles and writes access logs.
 */
export class ServiceApi extends HttpApi {
  private readonly people: HttpUserPoolAuthorizer;

  constructor(scope: Construct, id: string, props: ServiceApiProps) {
    super(scope, id, {
      description: 'Telecom service quality: webhooks, surveys and reports',
      createDefaultStage: false,
    });
    // People's routes: the user pool's access token, checked by API Gateway; the group is
    // checked again inside each function (docs/design.md §4.3).
    this.people = new HttpUserPoolAuthorizer('PeopleAuthorizer', props.userPool, {
      userPoolClients: [props.userPoolClient],
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Operator routes are authenticated inside the function by an HMAC-SHA256 signature over the raw body with a per-source secret and a 300 s replay window (docs/design.md §4.1), which an API Gateway authorizer cannot see; survey routes by possession of a single-use 256-bit token checked against its stored hash (§4.4), as customers have no account; the SMS webhook by the X-Twilio-Signature of the gateway over the URL and parameters (§4.2); portal pages by a server-side session that an OpenID Connect sign-in to the user pool opened (§4.3), as browsers send a cookie, not a bearer token, and its sign-in pages must be open to people not yet signed in. GET /reports/signing-key is public on purpose: it serves the public key that lets anyone verify a report (docs/design.md §3).',
    });

    // The access logs and the stage sit beside the API, not inside it, as they always
    // have: a stage under a new logical id would be created while the old one still holds
    // the name `$default`, and the deployment would fail.
    const accessLogs = new LogGroup(scope, `${id}AccessLogs`, {
      retention: props.logs.logRetention,
      removalPolicy: props.logs.logRemovalPolicy,
    });
    new HttpStage(scope, 'DefaultStage', {
      httpApi: this,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: 500, burstLimit: 1000 },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        // No source IP or user agent: callers include customers, whose IPs are personal data.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTimeEpoch',
            routeKey: '$context.routeKey',
            status: '$context.status',
            latencyMs: '$context.responseLatency',
            integrationLatencyMs: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            responseLength: '$context.responseLength',
          }),
        ),
      },
    });
  }

  /**
   * Routes that people (regulators, assessors, admins) call with the user pool's access
   * token, all to one function through one integration.
   */
  addPeopleRoutes(integrationId: string, handler: IFunction, ...routeKeys: RouteKey[]): void {
    this.addFunctionRoutes(integrationId, handler, routeKeys, this.people);
  }

  /** Routes whose function authenticates the caller itself: a signature or a survey token. */
  addSelfAuthenticatedRoutes(
    integrationId: string,
    handler: IFunction,
    ...routeKeys: (typeof FUNCTION_AUTHENTICATED_ROUTES)[number][]
  ): void {
    this.addFunctionRoutes(integrationId, handler, routeKeys);
  }

  /** Routes anyone may call. */
  addPublicRoutes(
    integrationId: string,
    handler: IFunction,
    ...routeKeys: (typeof PUBLIC_ROUTES)[number][]
  ): void {
    this.addFunctionRoutes(integrationId, handler, routeKeys);
  }

  private addFunctionRoutes(
    integrationId: string,
    handler: IFunction,
    routeKeys: RouteKey[],
    authorizer?: HttpUserPoolAuthorizer,
  ) {
    const integration = new HttpLambdaIntegration(integrationId, handler);
    for (const routeKey of routeKeys) {
      const [method, path] = routeKey.split(' ') as [HttpMethod, string];
      this.addRoutes({ path, methods: [method], integration, authorizer });
    }
  }
}
