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
    const functions = props.functions.map((f): MonitoredFunction => {
      const id = `${pascal(f.name)}Function`;
      return {
        ...f,
        function: lambda.Function.fromFunctionName(
          this,
          id,
          copy(`${id}Name`, f.function.functionName, `the name of the ${f.name} function`),
        ),
      };
    });
    const deadLetterQueues = props.deadLetterQueues.map((q): MonitoredQueue => {
      const id = `${pascal(q.name)}Queue`;
      const queueName = copy(`${id}Name`, q.queue.queueName, `the name of the ${q.name} queue`);
      return {
        ...q,
        queue: sqs.Queue.fromQueueAttributes(this, id, {
          queueName,
          queueArn: this.formatArn({ service: 'sqs', resource: queueName }),
        }),
      };
    });
    const { profileDatabase, profileCache } = props;
    this.operations = new OperationsMonitoring(this, 'Operations', {
      topic: this.alarmTopic.topic,
      alarms: config.monitoring.alarms,
      httpApi: apigwv2.HttpApi.fromHttpApiAttributes(this, 'HttpApi', {
        httpApiId: copy('HttpApiId', props.api.httpApi.apiId, 'the HTTP API id'),
      }),
      functions,
      deadLetterQueues,
      table: dynamodb.TableV2.fromTableName(
        this,
        'PhotoTable',
        copy('PhotoTableName', props.photoTable.table.tableName, 'the photo table name'),
      ),
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
    });
  }
}

/** `photos-api` -> `PhotosApi`, for construct ids. */
function pascal(name: string): string {
  return name.replace(/(^|-)([a-z0-9])/g, (_m, _dash: string, c: string) => c.toUpperCase());
}
