/*
 * Stands in for `@smithy/core/event-streams` inside Lambda bundles (the project's function
 * construct aliases it at bundling time). The SDK's HTTP protocol imports that module
 * lazily, and only for operations with event-stream payloads; the DynamoDB, SQS, KMS and
 * S3 operations the functions call have none. Leaving it out saves ~15 KB of every
 * bundle (docs/design.md §9). A function that ever calls such an operation fails with this error.
 */
const missing = () => {
  throw new Error(
    'event-stream operations are not bundled: remove the @smithy/core/event-streams alias in infra/constructs/project-function.ts',
  );
};

export class EventStreamSerde {
  constructor() {
    missing();
  }
}

export const eventStreamSerdeProvider = missing;

/**
 * The S3 client resolves its event-stream configuration when it is created; with no
 * marshaller, only the event-stream operations (SelectObjectContent), which the functions
 * never call, would fail.
 */
export const resolveEventStreamSerdeConfig = <T>(config: T): T => config;
