/**
 * CloudFormation custom resource (CDK Provider framework onEvent): applies the versioned migrations
 * in lambda/migrations through the RDS Data API on Create and Update. Delete does nothing: the
 * schema lives and dies with the database.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { DataApiSqlRunner, createDataApiClient } from '../adapters/data-api-sql-runner';
import { applyMigrations } from '../domain/schema-migrations';
import { migrations } from '../migrations';
import { FUNCTIONS } from '../../contract/functions';
import { awsConfig, environmentOf, migrationsConfig } from '../shared/env';
import { instrument, logger } from '../shared/powertools';

const PHYSICAL_RESOURCE_ID = 'schema-migrations';

const config = migrationsConfig(environmentOf(FUNCTIONS.schemaMigrations).migrations);
// Each call has a deadline; worst cases against the 5-minute timeout: DATA_API_DEADLINE.
const client = createDataApiClient(awsConfig().region);
const runner = new DataApiSqlRunner(client, {
  resourceArn: config.clusterArn,
  secretArn: config.secretArn,
  database: config.database,
});

export interface ProviderResponse {
  readonly PhysicalResourceId: string;
  readonly Data?: Record<string, string>;
}

export const handler = instrument(
  FUNCTIONS.schemaMigrations,
  async (event: CloudFormationCustomResourceEvent): Promise<ProviderResponse> => {
    if (event.RequestType === 'Delete') {
      logger.info('Delete: leaving the schema in place');
      return { PhysicalResourceId: event.PhysicalResourceId };
    }
    const report = await applyMigrations(runner, migrations);
    logger.info('Migrations applied', {
      applied: report.applied,
      alreadyApplied: report.alreadyApplied.length,
    });
    return {
      PhysicalResourceId: PHYSICAL_RESOURCE_ID,
      Data: { LatestMigration: report.latest ?? '', AppliedCount: String(report.applied.length) },
    };
  },
);
