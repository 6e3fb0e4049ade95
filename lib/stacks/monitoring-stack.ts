import { Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { AlarmTopic } from '../constructs/alarm-topic';
import { dataRemovalPolicy, type StageStackProps } from './stage-props';

/** Where operators learn of trouble: the encrypted alarm topic. */
export class MonitoringStack extends Stack {
  public readonly alarmTopic: AlarmTopic;

  constructor(scope: Construct, id: string, props: StageStackProps) {
    super(scope, id, props);
    this.alarmTopic = new AlarmTopic(this, 'AlarmTopic', {
      email: props.config.monitoring.alarmEmail,
      removalPolicy: dataRemovalPolicy(props.config),
    });
  }
}
