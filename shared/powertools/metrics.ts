import { Metrics } from '@aws-lambda-powertools/metrics';

/**
 * The function's one metrics emitter (namespace from POWERTOOLS_METRICS_NAMESPACE).
 * Intake functions leave it out: API Gateway already counts their requests, and their
 * bundle budget (docs/design.md §9) is better spent elsewhere.
 */
export const metrics = new Metrics();
