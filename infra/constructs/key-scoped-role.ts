import { Stack } from 'aws-cdk-lib';
import { type AddToPrincipalPolicyResult, type PolicyStatement, Role } from 'aws-cdk-lib/aws-iam';

/**
 * The services through which the project's roles use the data key: tables and their
 * streams, queues, the reports bucket, secrets, the alarm topic. Never KMS directly: a role that holds a
 * ciphertext still cannot have the key decrypt it outside these services.
 */
export const DATA_KEY_SERVICES = ['dynamodb', 'sqs', 's3', 'secretsmanager', 'sns'] as const;

/** The key-use actions that CDK's grants (`grantEncryptDecrypt`, queue and table grants) add. */
const KEY_USE = new Set([
  'kms:Decrypt',
  'kms:DescribeKey',
  'kms:Encrypt',
  'kms:ReEncrypt*',
  'kms:GenerateDataKey*',
]);

/**
 * A role whose use of a KMS key is limited to requests that AWS services make on its
 * behalf (`kms:ViaService`): every key-use statement that a grant adds without a condition
 * gets one, so that grants made by CDK itself (a queue's, a stream's) are scoped too.
 */
export class KeyScopedRole extends Role {
  override addToPrincipalPolicy(statement: PolicyStatement): AddToPrincipalPolicyResult {
    const keyUse =
      statement.actions.length > 0 && statement.actions.every((action) => KEY_USE.has(action));
    if (keyUse && Object.keys(statement.conditions).length === 0) {
      const region = Stack.of(this).region;
      statement.addCondition('StringEquals', {
        'kms:ViaService': DATA_KEY_SERVICES.map((service) => `${service}.${region}.amazonaws.com`),
      });
    }
    return super.addToPrincipalPolicy(statement);
  }
}
