import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { StageConfig } from '../config.ts';
import type { FunctionLogs } from '../constructs/project-function.ts';
import type { ServiceApi } from '../constructs/service-api.ts';

/** What every feature is given: the stage, the HTTP API for its routes, the data key. */
export interface FeatureProps {
  config: StageConfig;
  logs: FunctionLogs;
  api: ServiceApi;
  /** Encrypts the tables, queues and secrets the feature's functions use. */
  dataKey: IKey;
}

/**
 * One feature of the stateless stack: its functions, grants, event sources and routes.
 * A feature groups code, not deployed identity: the stack leaves it out of its
 * resources' logical ids (see `StatelessStack.allocateLogicalId`).
 */
export abstract class Feature extends Construct {}
