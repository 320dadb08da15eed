import {
  AttributeType,
  type GlobalSecondaryIndexProps,
  ProjectionType,
} from 'aws-cdk-lib/aws-dynamodb';
import type { TableDesign } from '#shared/tables/table.ts';

/**
 * A table module's indexes as the stack declares them (string keys; all attributes
 * projected, only the table's keys, or the keys and the attributes the index includes). The modules themselves stay free of the CDK, for
 * the functions import them too.
 */
export function globalSecondaryIndexes(design: TableDesign): GlobalSecondaryIndexProps[] {
  return Object.values(design.indexes).map((index) => ({
    indexName: index.name,
    partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
    ...(index.sortKey ? { sortKey: { name: index.sortKey, type: AttributeType.STRING } } : {}),
    ...(index.keysOnly
      ? { projectionType: ProjectionType.KEYS_ONLY }
      : index.include
        ? { projectionType: ProjectionType.INCLUDE, nonKeyAttributes: [...index.include] }
        : { projectionType: ProjectionType.ALL }),
  }));
}
