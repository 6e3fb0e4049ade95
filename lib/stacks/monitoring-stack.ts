import { Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { AlarmTopic } from '../constructs/alarm-topic';
import {
  OperationsMonitoring,
  type MonitoredFunction,
  type MonitoredQueue,
} from '../constructs/operations-monitoring';
import type { PhotoApi } from '../constructs/photo-api';
import type { PhotoTable } from '../constructs/photo-table';
import type { ProfileCache } from '../constructs/profile-cache';
import type { ProfileDatabase } from '../constructs/profile-database';
import { dataRemovalPolicy, type StageStackProps } from './stage-props';

export interface MonitoringStackProps extends StageStackProps {
  readonly api: PhotoApi;
  readonly functions: readonly MonitoredFunction[];
  readonly deadLetterQueues: readonly MonitoredQueue[];
  readonly photoTable: PhotoTable;
  readonly profileDatabase: ProfileDatabase;
  readonly profileCache: ProfileCache;
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
    this.operations = new OperationsMonitoring(this, 'Operations', {
      topic: this.alarmTopic.topic,
      alarms: config.monitoring.alarms,
      httpApi: props.api.httpApi,
      functions: props.functions,
      deadLetterQueues: props.deadLetterQueues,
      table: props.photoTable.table,
      cluster: props.profileDatabase.cluster,
      proxy: props.profileDatabase.proxy,
      cache: {
        replicationGroupId: props.profileCache.replicationGroup.ref,
        nodes: 1 + config.cache.replicas,
      },
    });
  }
}
