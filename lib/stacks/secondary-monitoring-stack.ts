import { Stack } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as rds from 'aws-cdk-lib/aws-rds';
import type { Construct } from 'constructs';
import { AlarmTopic } from '../constructs/alarm-topic';
import { LocalCopies } from '../constructs/local-copies';
import {
  OperationsMonitoring,
  type MonitoredFunction,
  type MonitoredQueue,
} from '../constructs/operations-monitoring';
import type { PhotoApi } from '../constructs/photo-api';
import type { PhotoTableBinding } from '../constructs/photo-table';
import type { ProfileCache } from '../constructs/profile-cache';
import type { SecondaryProfileDatabase } from '../constructs/secondary-profile-database';
import type { DisasterRecoveryPlan } from '../disaster-recovery';
import { watchedThroughCopies } from './monitoring-stack';
import { dataRemovalPolicy, type StageStackProps } from './stage-props';

export interface SecondaryMonitoringStackProps extends StageStackProps {
  readonly plan: DisasterRecoveryPlan;
  readonly api: PhotoApi;
  readonly functions: readonly MonitoredFunction[];
  readonly deadLetterQueues: readonly MonitoredQueue[];
  /** The photo table's replica in this Region. */
  readonly photoTable: PhotoTableBinding;
  readonly profileDatabase: SecondaryProfileDatabase;
  readonly profileCache: ProfileCache;
}

/**
 * The second Region's alarms and dashboard, with an alarm topic of its own: CloudWatch alarms
 * read metrics of their own Region only, and notify topics of their own Region only. The same
 * catalog rows and thresholds as the primary Region for what runs here (the standby API and its
 * functions, the table's replica, the secondary cluster, its proxy, the cache), plus the secondary
 * cluster's global replication lag, which Aurora publishes in this Region. Subscribe the same
 * address (monitoring.alarmEmail) to both topics.
 */
export class SecondaryMonitoringStack extends Stack {
  public readonly alarmTopic: AlarmTopic;
  public readonly operations: OperationsMonitoring;

  constructor(scope: Construct, id: string, props: SecondaryMonitoringStackProps) {
    super(scope, id, { ...props, env: { region: props.plan.secondaryRegion } });
    const { config, plan, profileDatabase } = props;
    this.alarmTopic = new AlarmTopic(this, 'AlarmTopic', {
      email: config.monitoring.alarmEmail,
      removalPolicy: dataRemovalPolicy(config),
    });
    const imported = new LocalCopies(this, 'Imported');
    const copy = (id: string, value: string, what: string) => imported.copy(id, value, what);
    const { functions, deadLetterQueues } = watchedThroughCopies(this, copy, props);
    const tableName = copy(
      'PhotoTableName',
      props.photoTable.table.tableName,
      "the photo table replica's name",
    );
    const cluster = rds.DatabaseCluster.fromDatabaseClusterAttributes(this, 'ProfileCluster', {
      clusterIdentifier: copy(
        'ProfileClusterIdentifier',
        profileDatabase.cluster.ref,
        'the secondary profile cluster identifier',
      ),
    });
    this.operations = new OperationsMonitoring(this, 'Operations', {
      topic: this.alarmTopic.topic,
      alarms: config.monitoring.alarms,
      httpApi: apigwv2.HttpApi.fromHttpApiAttributes(this, 'HttpApi', {
        httpApiId: copy('HttpApiId', props.api.httpApi.apiId, 'the HTTP API id'),
      }),
      functions,
      deadLetterQueues,
      table: dynamodb.TableV2.fromTableName(this, 'PhotoTable', tableName),
      // Off on the replica (lib/constructs/photo-table.ts).
      contributorInsights: false,
      cluster,
      // A promotion makes one instance the writer; the others are then its readers.
      readers: plan.config.secondaryInstances - 1,
      proxyName: profileDatabase.proxy
        ? copy('ProfileProxyName', profileDatabase.proxy.dbProxyName, 'the RDS Proxy name')
        : undefined,
      cache: {
        replicationGroupId: copy(
          'CacheReplicationGroupId',
          props.profileCache.replicationGroupId,
          'the cache replication group id',
        ),
        nodes: 1 + config.cache.replicas,
      },
      replication: {
        // Writes made here once this Region is the active one.
        tableReplicas: [{ tableName, receivingRegion: plan.primaryRegion }],
        globalSecondary: { cluster },
      },
    });
  }
}
