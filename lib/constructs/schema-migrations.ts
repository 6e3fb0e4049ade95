import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CustomResource, Stack, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as rds from 'aws-cdk-lib/aws-rds';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { FUNCTIONS } from '../../contract/functions';
import { AppFunction, PROJECT_ROOT } from './app-function';
import type { ProfileDatabase } from './profile-database';

export interface SchemaMigrationsProps {
  /** The database to migrate. */
  readonly database: ProfileDatabase;
  readonly logRetentionDays: logs.RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
  /** Customer-managed key of the runner's and the provider's log groups. @default - CloudWatch Logs' own encryption */
  readonly logEncryptionKey?: kms.IKey;
  /** Folder of migration modules; its content hash triggers a new run. @default lambda/migrations */
  readonly migrationsDirectory?: string;
}

/**
 * Applies the versioned SQL migrations at deploy time through the RDS Data
 * API. The function runs outside the VPC (the Data API is an AWS endpoint),
 * applies each pending migration once and in order, and records it in a
 * migrations table. The custom resource carries a hash of the migration
 * files, so adding a migration re-runs it on the next deploy; Delete does
 * nothing, so tearing down the stack never drops data.
 */
export class SchemaMigrations extends Construct {
  /** The migration runner. */
  public readonly runner: AppFunction;
  /** The custom resource; depend on it to run after the schema is current. */
  public readonly resource: CustomResource;
  /** Content hash of the migration files at synth time. */
  public readonly migrationsHash: string;

  constructor(scope: Construct, id: string, props: SchemaMigrationsProps) {
    super(scope, id);
    const directory = props.migrationsDirectory ?? path.join(PROJECT_ROOT, 'lambda', 'migrations');
    this.migrationsHash = hashDirectory(directory);

    this.runner = new AppFunction(this, 'Runner', {
      function: FUNCTIONS.schemaMigrations,
      bindings: { migrations: props.database.bindMigrations() },
      invocation: { type: 'sync', caller: 'the CloudFormation custom resource provider' },
      memorySize: 256,
      logRetentionDays: props.logRetentionDays,
      logRemovalPolicy: props.logRemovalPolicy,
      logEncryptionKey: props.logEncryptionKey,
    });

    const provider = new cr.Provider(this, 'Provider', {
      onEventHandler: this.runner.function,
      logGroup: new logs.LogGroup(this, 'ProviderLogs', {
        retention: props.logRetentionDays,
        removalPolicy: props.logRemovalPolicy,
        encryptionKey: props.logEncryptionKey,
      }),
    });

    const framework = 'The CDK custom resource provider framework';
    for (const [id, reason] of [
      [
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        `${framework} function writes only its own logs with the basic execution policy; its role is not configurable.`,
      ],
      [
        `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.runner.function.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
        `${framework} may invoke any version of the one migration function it wraps (":*" covers its versions), nothing else.`,
      ],
      [
        'Serverless-LambdaDLQ',
        `${framework} function is invoked by CloudFormation, which waits for its answer and rolls back on failure.`,
      ],
      [
        'Serverless-LambdaDefaultMemorySize',
        `${framework} function only relays one CloudFormation event per deploy; its memory is not configurable.`,
      ],
      [
        'Serverless-LambdaTracing',
        `${framework} function has no tracing option; the migration function it calls is traced.`,
      ],
    ]) {
      Validations.of(provider).acknowledge({ id, reason });
    }

    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::SchemaMigrations',
      properties: { MigrationsHash: this.migrationsHash },
    });
    // The Data API needs a running writer instance, not just the cluster
    // resource, and the secret attached to the cluster.
    // Each a single resource: the constructs' subtrees hold the rotation too.
    const { cluster, adminSecret } = props.database;
    this.resource.node.addDependency(
      cluster.node.defaultChild as rds.CfnDBCluster,
      cluster.node.findChild('Writer'),
      adminSecret.node.defaultChild as secretsmanager.CfnSecretTargetAttachment,
    );
    // Secrets Manager starts the first rotation when the schedule is created;
    // mid-rotation the current secret does not open the database. Creating the
    // schedule only after the migrations ran keeps the first deploy's
    // migrations clear of it (later deploys rely on the runner's retries).
    props.database.rotationSchedule.node.addDependency(this.resource);
  }
}

function hashDirectory(directory: string): string {
  const hash = createHash('sha256');
  const files = fs.existsSync(directory)
    ? fs
        .readdirSync(directory)
        .filter((name) => name.endsWith('.ts'))
        .sort()
    : [];
  for (const name of files) {
    hash
      .update(name)
      .update('\0')
      .update(fs.readFileSync(path.join(directory, name)))
      .update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}
