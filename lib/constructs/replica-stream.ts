import { Stack, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';

export interface ReplicaStreamProps {
  /** The global table's name. */
  readonly tableName: string;
  readonly logRetentionDays: logs.RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
  /** @default - CloudWatch Logs' own encryption */
  readonly logEncryptionKey?: kms.IKey;
}

/**
 * The stream ARN of a global table's replica in this stack's Region. Each replica has a stream of
 * its own, whose ARN ends in a label DynamoDB picks when it creates the replica; the
 * AWS::DynamoDB::GlobalTable resource returns only its own Region's (`StreamArn`). So it is read
 * once at deploy time, in this Region, with DescribeTable (`Table.LatestStreamArn`), by CDK's
 * AwsCustomResource. Nothing else reads the table at deploy time.
 */
export class ReplicaStream extends Construct {
  /** The replica's stream ARN. */
  public readonly streamArn: string;

  constructor(scope: Construct, id: string, props: ReplicaStreamProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const describe: cr.AwsSdkCall = {
      service: 'DynamoDB',
      action: 'describeTable',
      parameters: { TableName: props.tableName },
      region: stack.region,
      physicalResourceId: cr.PhysicalResourceId.fromResponse('Table.LatestStreamArn'),
      outputPaths: ['Table.LatestStreamArn'],
    };
    const lookup = new cr.AwsCustomResource(this, 'Lookup', {
      onCreate: describe,
      onUpdate: describe,
      installLatestAwsSdk: false,
      logGroup: new logs.LogGroup(this, 'LookupLogs', {
        retention: props.logRetentionDays,
        removalPolicy: props.logRemovalPolicy,
        encryptionKey: props.logEncryptionKey,
      }),
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({
          actions: ['dynamodb:DescribeTable'],
          resources: [
            stack.formatArn({ service: 'dynamodb', resource: 'table', resourceName: props.tableName }),
          ],
        }),
      ]),
    });
    this.streamArn = lookup.getResponseField('Table.LatestStreamArn');

    // The helper function is CDK's, shared by every AwsCustomResource of the stack.
    const helper = stack.node.tryFindChild(
      `AWS${cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`,
    );
    if (helper) {
      const what = "CDK's AwsCustomResource helper (reads the replica's stream ARN once per deploy)";
      for (const [findingId, reason] of [
        [
          'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
          `${what} writes only its own logs with the basic execution policy; its role is not configurable.`,
        ],
        [
          'Serverless-LambdaDLQ',
          `${what} is invoked by CloudFormation, which waits for its answer and rolls back on failure.`,
        ],
        [
          'Serverless-LambdaDefaultMemorySize',
          `${what} makes one API call per deploy; its memory is not configurable.`,
        ],
        ['Serverless-LambdaTracing', `${what} has no tracing option.`],
      ]) {
        Validations.of(helper).acknowledge({ id: findingId, reason });
      }
    }
  }
}
