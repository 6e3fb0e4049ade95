import { Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { AppNetwork } from '../constructs/app-network';
import { DataKeys, type DataClass } from '../constructs/data-keys';
import { dataRemovalPolicy, logRetention, type StageStackProps } from './stage-props';

export interface NetworkStackProps extends StageStackProps {
  /** The data classes that get a key, where the stage has customer-managed keys. @default DATA_CLASSES */
  readonly keyClasses?: readonly DataClass[];
  /** The Secrets Manager interface endpoint. @default true */
  readonly secretsManagerEndpoint?: boolean;
}

/**
 * The VPC, its endpoints and the functions' security group, and the stage's customer-managed keys
 * where the config asks for them. Every other stack already depends on this one, so they can all
 * use the keys without a new stack or a dependency cycle (the flow logs here need the logs key).
 */
export class NetworkStack extends Stack {
  public readonly network: AppNetwork;
  /** Customer-managed keys, or undefined where the stage keeps AWS-managed keys. */
  public readonly dataKeys?: DataKeys;

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    // It holds the keys of the stage's data: a stage that keeps its data keeps this stack too.
    super(scope, id, { ...props, terminationProtection: props.config.dataRemoval === 'retain' });
    if (props.config.encryption.customerManagedKeys) {
      this.dataKeys = new DataKeys(this, 'DataKeys', {
        stage: props.config.stage,
        removalPolicy: dataRemovalPolicy(props.config),
        classes: props.keyClasses,
      });
    }
    this.network = new AppNetwork(this, 'Network', {
      flowLogRetentionDays: logRetention(props.config),
      logRemovalPolicy: dataRemovalPolicy(props.config),
      logEncryptionKey: this.dataKeys?.logs,
      secretsManagerEndpoint: props.secretsManagerEndpoint,
    });
  }
}
