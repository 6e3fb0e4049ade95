/** The custom resource entry point: Create/Update migrate through the Data API, Delete does nothing. */
import './support/migrations-env';
import {
  BeginTransactionCommand,
  CommitTransactionCommand,
  ExecuteStatementCommand,
  RDSDataClient,
} from '@aws-sdk/client-rds-data';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { handler } from '../../lambda/handlers/schema-migrations';
import { lambdaContext } from '../app/support/http';

const rdsData = mockClient(RDSDataClient);
afterAll(() => rdsData.restore());

const base = {
  ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:provider',
  ResponseURL: 'https://example.com',
  StackId: 'stack',
  RequestId: 'request',
  LogicalResourceId: 'SchemaMigrations',
  ResourceType: 'Custom::SchemaMigrations',
  ResourceProperties: { ServiceToken: 'token', MigrationsHash: 'abc' },
};

describe('schema-migrations custom resource', () => {
  beforeEach(() => {
    rdsData.reset();
    rdsData.on(BeginTransactionCommand).resolves({ transactionId: 'tx' });
    rdsData.on(CommitTransactionCommand).resolves({});
  });

  it('applies pending migrations on Create and reports the latest', async () => {
    rdsData.on(ExecuteStatementCommand).resolves({ records: [] });
    const event = { ...base, RequestType: 'Create' } as CloudFormationCustomResourceEvent;
    await expect(handler(event, lambdaContext)).resolves.toEqual({
      PhysicalResourceId: 'schema-migrations',
      Data: { LatestMigration: '0002-create-app-user', AppliedCount: '2' },
    });
    const sql = rdsData.commandCalls(ExecuteStatementCommand).map((call) => call.args[0].input);
    expect(sql[0]).toMatchObject({
      database: 'photos',
      resourceArn: process.env.DB_CLUSTER_ARN,
      secretArn: process.env.DB_SECRET_ARN,
    });
  });

  it('applies nothing on Update when every migration is recorded', async () => {
    rdsData
      .on(ExecuteStatementCommand)
      .resolves({ records: [] })
      .on(ExecuteStatementCommand, { sql: 'SELECT id FROM schema_migrations WHERE id = :id' })
      .resolves({ records: [[{ stringValue: 'recorded' }]], columnMetadata: [{ label: 'id' }] });
    const event = {
      ...base,
      RequestType: 'Update',
      PhysicalResourceId: 'schema-migrations',
      OldResourceProperties: base.ResourceProperties,
    } as CloudFormationCustomResourceEvent;
    await expect(handler(event, lambdaContext)).resolves.toMatchObject({ Data: { AppliedCount: '0' } });
    const inserts = rdsData
      .commandCalls(ExecuteStatementCommand)
      .filter((call) => (call.args[0].input.sql ?? '').startsWith('INSERT INTO schema_migrations'));
    expect(inserts).toHaveLength(0);
  });

  it('does nothing on Delete', async () => {
    const event = {
      ...base,
      RequestType: 'Delete',
      PhysicalResourceId: 'schema-migrations',
    } as CloudFormationCustomResourceEvent;
    await expect(handler(event, lambdaContext)).resolves.toEqual({ PhysicalResourceId: 'schema-migrations' });
    expect(rdsData.calls()).toHaveLength(0);
  });
});
