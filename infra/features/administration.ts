import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { COMPLAINTS_TABLE } from '#shared/tables/complaints.ts';
import { SURVEYS_TABLE } from '#shared/tables/surveys.ts';
import { ProjectFunction } from '../constructs/project-function.ts';
import { Feature, type FeatureProps } from './feature.ts';

export interface AdministrationProps extends FeatureProps {
  /** Subscriber counts per region and service are stored beside the aggregates. */
  aggregatesTable: ITable;
  surveysTable: ITable;
  complaintsTable: ITable;
}

/**
 * What admins do beside reports: store the subscriber counts that per-million rates
 * divide by, and erase a customer's personal data on request.
 */
export class Administration extends Feature {
  readonly referenceData: ProjectFunction;
  readonly erasure: ProjectFunction;

  constructor(scope: Construct, id: string, props: AdministrationProps) {
    super(scope, id);
    const { dataKey } = props;

    this.referenceData = new ProjectFunction(this, 'ReferenceData', {
      entry: 'reference-data',
      description: 'Stores subscriber counts per region and service, versioned (admins)',
      environment: { AGGREGATES_TABLE_NAME: props.aggregatesTable.tableName },
      ...props.logs,
    });
    this.referenceData.grantTable(props.aggregatesTable, dataKey, ['PutItem']);
    props.api.addPeopleRoutes(
      'ReferenceDataIntegration',
      this.referenceData,
      'PUT /reference/subscribers/{period}',
    );

    this.erasure = new ProjectFunction(this, 'Erasure', {
      entry: 'erasure',
      description: "Erases a customer's personal data; aggregates and reports stay (admins)",
      environment: {
        SURVEYS_TABLE_NAME: props.surveysTable.tableName,
        COMPLAINTS_TABLE_NAME: props.complaintsTable.tableName,
      },
      ...props.logs,
    });
    // Finds the customer's items by the byCustomer indexes; deletes survey items, and
    // removes the reference from complaints (which stay, anonymous).
    this.erasure.grantTable(props.surveysTable, dataKey, ['GetItem', 'DeleteItem']);
    this.erasure.grantTable(props.complaintsTable, dataKey, ['Query', 'UpdateItem']);
    this.erasure.grantIndexQuery(props.surveysTable, [SURVEYS_TABLE.indexes.byCustomer.name]);
    this.erasure.grantIndexQuery(props.complaintsTable, [COMPLAINTS_TABLE.indexes.byCustomer.name]);
    props.api.addPeopleRoutes(
      'ErasureIntegration',
      this.erasure,
      'DELETE /customers/{customerRef}',
    );
  }
}
