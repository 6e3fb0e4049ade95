import { RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface AlarmTopicProps {
  /** Optional address subscribed to every alarm. */
  readonly email?: string;
  /** Whether the key is destroyed with the stack (dev) or kept (prod). */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The SNS topic every alarm notifies. Encrypted with a customer-managed KMS key
 * (the AWS-managed SNS key cannot be used by CloudWatch alarms), which allows
 * CloudWatch to publish; publishing is refused over plain HTTP.
 */
export class AlarmTopic extends Construct {
  /** The topic. */
  public readonly topic: sns.ITopic;
  /** The key encrypting the topic. */
  public readonly key: kms.IKey;

  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    if (props.email !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(props.email)) {
      throw new Error(`AlarmTopic: email is not an e-mail address (got ${props.email})`);
    }
    const key = new kms.Key(this, 'Key', {
      description: 'Encrypts the alarm topic',
      enableKeyRotation: true,
      removalPolicy:
        props.removalPolicy === RemovalPolicy.DESTROY ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
    key.grant(new iam.ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');

    const topic = new sns.Topic(this, 'Topic', {
      displayName: 'Photo app alarms',
      masterKey: key,
      enforceSSL: true,
    });
    if (props.email) {
      topic.addSubscription(new subscriptions.EmailSubscription(props.email));
    }
    this.topic = topic;
    this.key = key;
  }
}
