import { Lazy, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  type CfnStage,
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

/**
 * Callers whose floods must not crowd each other out: each route of a class has its own
 * token bucket (API Gateway's per-route throttling), so junk on a public route gets 429
 * there and the operators' webhooks keep their own allowance.
 */
export const ROUTE_CLASSES = [
  'operatorWebhooks',
  'smsWebhook',
  'surveyPages',
  'portal',
  'peopleApi',
  'signingKey',
] as const;
export type RouteClass = (typeof ROUTE_CLASSES)[number];

/** Steady requests a second and the bucket's size, per route. */
export interface RouteThrottle {
  rate: number;
  burst: number;
}

/** The class of a route: who calls it, and so whose flood it must not share. */
export function routeClassOf(routeKey: string): RouteClass {
  if (/^POST \/(webhooks\/complaints\/|invitations$|cases\/)/.test(routeKey)) {
    return 'operatorWebhooks';
  }
  if (routeKey === 'POST /sms/inbound') return 'smsWebhook';
  if (/^(GET|POST) \/s\/\{token\}$/.test(routeKey)) return 'surveyPages';
  if (/^(GET|POST) \/portal\b/.test(routeKey)) return 'portal';
  if ((PUBLIC_ROUTES as readonly string[]).includes(routeKey)) return 'signingKey';
  return 'peopleApi';
}

/**
 * Limits per route, as an operator of some million subscribers would start (each
 * overridable by `-c routeThrottles=…`, docs/operations.md):
 * - operator webhooks 200/s, burst 400: a CRM replaying a backlog after an outage sends
 *   in bursts; a day's complaints of a large operator are tens of thousands, far below;
 * - the SMS webhook 100/s, burst 200: replies follow the sender's own pace, and a gateway
 *   retries a 429 only sometimes, so it keeps room above the sends;
 * - survey pages 300/s, burst 600: customers opening links of a morning's batch at once;
 * - the portal 50/s, burst 100 and people's API 20/s, burst 40: a few dozen people;
 * - the signing key 10/s, burst 20: a public document that verifiers fetch once.
 */
export const DEFAULT_ROUTE_THROTTLES: Readonly<Record<RouteClass, RouteThrottle>> = {
  operatorWebhooks: { rate: 200, burst: 400 },
  smsWebhook: { rate: 100, burst: 200 },
  surveyPages: { rate: 300, burst: 600 },
  portal: { rate: 50, burst: 100 },
  peopleApi: { rate: 20, burst: 40 },
  signingKey: { rate: 10, burst: 20 },
};

export interface ServiceApiProps {
  /** Regulators, assessors and admins sign in here; their access tokens open people's routes. */
  userPool: IUserPool;
  userPoolClient: IUserPoolClient;
  /** Retention of the access log, as for the functions' logs. */
  logs: FunctionLogs;
  /** Each route's limits by its class (routeClassOf). */
  routeThrottles: Readonly<Record<RouteClass, RouteThrottle>>;
}

/**
 * The HTTP API, whose routes each say how their caller is authenticated: people by the
 * user pool's JWT authorizer, operator systems, customers and the SMS gateway by the
 * function itself (only the routes in FUNCTION_AUTHENTICATED_ROUTES), anyone on the
 * routes in PUBLIC_ROUTES. Its `$default` stage throttles each route by its class and writes
 * access logs.
 */
export class ServiceApi extends HttpApi {
  private readonly people: HttpUserPoolAuthorizer;
  private readonly stage: HttpStage;
  private readonly routeThrottles: Readonly<Record<RouteClass, RouteThrottle>>;
  private readonly routeSettings: Record<string, object> = {};

  constructor(scope: Construct, id: string, props: ServiceApiProps) {
    super(scope, id, {
      description: 'Telecom service quality: webhooks, surveys and reports',
      createDefaultStage: false,
    });
    this.routeThrottles = props.routeThrottles;
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
    this.stage = new HttpStage(scope, 'DefaultStage', {
      httpApi: this,
      stageName: '$default',
      autoDeploy: true,
      // Only for a route without its own limits below; every route of ours has them.
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
    (this.stage.node.defaultChild as CfnStage).routeSettings = Lazy.any({
      produce: () => this.routeSettings,
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
      const [route] = this.addRoutes({ path, methods: [method], integration, authorizer });
      const { rate, burst } = this.routeThrottles[routeClassOf(routeKey)];
      this.routeSettings[routeKey] = { ThrottlingRateLimit: rate, ThrottlingBurstLimit: burst };
      // A stage's route settings may name only routes that exist already.
      if (route) this.stage.node.addDependency(route);
    }
  }
}
