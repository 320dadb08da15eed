import type { IKey } from 'aws-cdk-lib/aws-kms';
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
