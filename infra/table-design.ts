import {
  AttributeType,
  type GlobalSecondaryIndexProps,
  ProjectionType,
} from 'aws-cdk-lib/aws-dynamodb';
import type { TableDesign } from '#shared/tables/table.ts';

/**
 * A table module's indexes as the stack declares them (string keys; all attributes
 * projected, or only the table's keys). The modules themselves stay free of the CDK, for
 * the functions import them too.
 */
export function globalSecondaryIndexes(design: TableDesign): GlobalSecondaryIndexProps[] {
  return Object.values(design.indexes).map((index) => ({
    indexName: index.name,
    partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
    ...(index.sortKey ? { sortKey: { name: index.sortKey, type: AttributeType.STRING } } : {}),
    projectionType: index.keysOnly ? ProjectionType.KEYS_ONLY : ProjectionType.ALL,
  }));
}
