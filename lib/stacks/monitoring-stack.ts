import { Stack } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { AlarmTopic } from '../constructs/alarm-topic';
import type * as backup from 'aws-cdk-lib/aws-backup';
import { LocalCopies } from '../constructs/local-copies';
import {
  OperationsMonitoring,
  type MonitoredFunction,
  type MonitoredQueue,
} from '../constructs/operations-monitoring';
import type { PhotoApi } from '../constructs/photo-api';
import { PhotoBucket } from '../constructs/photo-bucket';
import type { PhotoTable } from '../constructs/photo-table';
import type { ProfileCache } from '../constructs/profile-cache';
import type { ProfileDatabase } from '../constructs/profile-database';
import type { UserDirectory } from '../constructs/user-directory';
import { dataRemovalPolicy, type StageStackProps } from './stage-props';

export interface MonitoringStackProps extends StageStackProps {
  readonly api: PhotoApi;
  readonly functions: readonly MonitoredFunction[];
  readonly deadLetterQueues: readonly MonitoredQueue[];
  readonly photoTable: PhotoTable;
  readonly profileDatabase: ProfileDatabase;
  readonly profileCache: ProfileCache;
  readonly users: UserDirectory;
  /** The stage's AWS Backup vault (its name carries the data stack's id, so it is read from there). */
  readonly backupVault: backup.IBackupVault;
  /** What this Region replicates to the stage's second Region. @default - no second Region */
  readonly replication?: MonitoringStackReplication;
}

/** The replication to the second Region, as this Region's metrics name it. */
export interface MonitoringStackReplication {
  readonly secondaryRegion: string;
  /** The bucket whose replication rule is watched. */
  readonly photoBucket: PhotoBucket;
  /** The replica bucket's (fixed) name. */
  readonly replicaBucketName: string;
  /** The secondary cluster's (fixed) identifier, for the dashboard's graph of its lag. */
  readonly secondaryClusterIdentifier: string;
}

/** Where operators learn of trouble: the encrypted alarm topic, the alarms and the dashboard. */
export class MonitoringStack extends Stack {
  public readonly alarmTopic: AlarmTopic;
  public readonly operations: OperationsMonitoring;

  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.alarmTopic = new AlarmTopic(this, 'AlarmTopic', {
      email: config.monitoring.alarmEmail,
      removalPolicy: dataRemovalPolicy(config),
    });
    // Every resource watched here lives in another stack. The alarms and the
    // dashboard see it through a local copy of its name (see LocalCopies), so
    // no cross-stack reference ends up inside a dashboard body or a suffix.
    const imported = new LocalCopies(this, 'Imported');
    const copy = (id: string, value: string, what: string) => imported.copy(id, value, what);
    const { functions, deadLetterQueues } = watchedThroughCopies(this, copy, props);
    const { profileDatabase, profileCache } = props;
    const tableName = copy('PhotoTableName', props.photoTable.table.tableName, 'the photo table name');
    const replication = props.replication;
    // One copy of the bucket's name for every rule's alarms.
    const photoBucketName =
      replication &&
      copy('PhotoBucketName', replication.photoBucket.bucket.bucketName, 'the photo bucket name');
    this.operations = new OperationsMonitoring(this, 'Operations', {
      topic: this.alarmTopic.topic,
      alarms: config.monitoring.alarms,
      httpApi: apigwv2.HttpApi.fromHttpApiAttributes(this, 'HttpApi', {
        httpApiId: copy('HttpApiId', props.api.httpApi.apiId, 'the HTTP API id'),
      }),
      functions,
      deadLetterQueues,
      table: dynamodb.TableV2.fromTableName(this, 'PhotoTable', tableName),
      contributorInsights: config.diagnostics.contributorInsights,
      backupVault: {
        vaultName: copy('BackupVaultName', props.backupVault.backupVaultName, 'the backup vault name'),
        copies: config.backup.copyRegion !== undefined,
        restoreTesting: config.backup.restoreTesting,
      },
      cluster: rds.DatabaseCluster.fromDatabaseClusterAttributes(this, 'ProfileCluster', {
        clusterIdentifier: copy(
          'ProfileClusterIdentifier',
          profileDatabase.cluster.clusterIdentifier,
          'the profile cluster identifier',
        ),
      }),
      readers: config.database.readers,
      proxyName: profileDatabase.proxy
        ? copy('ProfileProxyName', profileDatabase.proxy.dbProxyName, 'the RDS Proxy name')
        : undefined,
      rotationFunction: lambda.Function.fromFunctionName(
        this,
        'RotationFunction',
        copy(
          'RotationFunctionName',
          profileDatabase.rotationFunctionName.valueFor(this),
          'the name of the secret rotation function',
        ),
      ),
      userPool: {
        userPoolId: copy('UserPoolId', props.users.userPool.userPoolId, 'the user pool id'),
        clientId: copy('UserPoolClientId', props.users.appClient.userPoolClientId, 'the app client id'),
      },
      cache: {
        replicationGroupId: copy(
          'CacheReplicationGroupId',
          profileCache.replicationGroupId,
          'the cache replication group id',
        ),
        nodes: 1 + config.cache.replicas,
      },
      replication: replication && {
        tableReplicas: [{ tableName, receivingRegion: replication.secondaryRegion }],
        photoReplications: PhotoBucket.REPLICATION_RULES.map((rule) => ({
          name: rule.name,
          sourceBucket: photoBucketName!,
          destinationBucket: replication.replicaBucketName,
          ruleId: rule.id,
        })),
        remoteGlobalSecondary: {
          clusterIdentifier: replication.secondaryClusterIdentifier,
          region: replication.secondaryRegion,
        },
      },
    });
  }
}

/**
 * The functions and queues of another stack as this stack's alarms watch them: each name read
 * through a local copy (`copy`), so no cross-stack reference sits inside an alarm or the dashboard.
 */
export function watchedThroughCopies(
  scope: Stack,
  copy: (id: string, value: string, what: string) => string,
  watched: {
    readonly functions: readonly MonitoredFunction[];
    readonly deadLetterQueues: readonly MonitoredQueue[];
  },
): { functions: MonitoredFunction[]; deadLetterQueues: MonitoredQueue[] } {
  const functions = watched.functions.map((f): MonitoredFunction => {
    const id = `${pascal(f.name)}Function`;
    return {
      ...f,
      function: lambda.Function.fromFunctionName(
        scope,
        id,
        copy(`${id}Name`, f.function.functionName, `the name of the ${f.name} function`),
      ),
    };
  });
  const deadLetterQueues = watched.deadLetterQueues.map((q): MonitoredQueue => {
    const id = `${pascal(q.name)}Queue`;
    const queueName = copy(`${id}Name`, q.queue.queueName, `the name of the ${q.name} queue`);
    return {
      ...q,
      queue: sqs.Queue.fromQueueAttributes(scope, id, {
        queueName,
        queueArn: scope.formatArn({ service: 'sqs', resource: queueName }),
      }),
    };
  });
  return { functions, deadLetterQueues };
}

/** `photos-api` -> `PhotosApi`, for construct ids. */
function pascal(name: string): string {
  return name.replace(/(^|-)([a-z0-9])/g, (_m, _dash: string, c: string) => c.toUpperCase());
}
