import * as path from 'node:path';
import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Validations } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Root of the repository: handler entry files are named relative to it. */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/** The newest Node.js runtime this aws-cdk-lib offers, pinned so synth output never drifts. */
export const APP_RUNTIME = lambda.Runtime.NODEJS_24_X;

/**
 * How every handler is bundled (esbuild, run locally: no Docker). Exported so
 * the benchmark measures exactly what is deployed.
 */
export const APP_BUNDLING = {
  // Left to the AWS SDK the Lambda runtime ships: only packages imported by
  // their top-level entry (bundling the clients and the credential chain
  // would break the size budgets). That SDK's version varies by runtime
  // version and Region ("Runtime-included SDK versions", Lambda developer
  // guide), and older ones lack the deep imports of @aws-sdk/core and
  // @smithy/* (@smithy/core/checksum), so those are bundled.
  // test/infra/runtime-sdk.test.ts loads every bundle against an old SDK.
  // pg's optional native binding is never installed.
  externalModules: [
    '@aws-sdk/client-*',
    '@aws-sdk/lib-*',
    '@aws-sdk/s3-request-presigner',
    '@aws-sdk/credential-providers',
    'pg-native',
  ],
  // The ES module builds let esbuild drop what the bundled @smithy/core
  // subpaths do not use (their CommonJS builds are single files).
  mainFields: ['module', 'main'],
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  target: 'node24',
} as const;

export interface AppFunctionNetworking {
  /** The VPC to attach to. */
  readonly vpc: ec2.IVpc;
  /** Subnets for the function's network interfaces. */
  readonly subnets: ec2.SubnetSelection;
  /** Security groups of the function. */
  readonly securityGroups: ec2.ISecurityGroup[];
}

export interface AppFunctionProps {
  /** Entry file, relative to the repository root (for example `lambda/handlers/health.ts`). */
  readonly entry: string;
  /** What the function does, shown in the console. */
  readonly description: string;
  /** Memory in MB; set explicitly for every function (CPU scales with it). */
  readonly memorySize: number;
  /** Timeout; set explicitly for every function. */
  readonly timeout: Duration;
  /** Retention of the function's own log group, in days. */
  readonly logRetentionDays: logs.RetentionDays;
  /** Whether the log group is destroyed with the stack. */
  readonly logRemovalPolicy: RemovalPolicy;
  /** Environment variables the handler reads at module scope. */
  readonly environment?: Record<string, string>;
  /** Attach to the VPC only when the handler talks to Aurora/RDS Proxy or Redis. @default - not in a VPC */
  readonly networking?: AppFunctionNetworking;
  /** Caps concurrency to protect a downstream that cannot scale with Lambda. @default - unreserved */
  readonly reservedConcurrentExecutions?: number;
  /** Service name used by Powertools in logs, metrics and traces. */
  readonly serviceName: string;
  /**
   * How the function is invoked. Asynchronous invocations need a dead-letter
   * queue; synchronous ones (API Gateway, event source mappings, custom
   * resource providers) report failures to their caller instead.
   */
  readonly invocation:
    | { readonly type: 'async'; readonly deadLetterQueue: sqs.IQueue }
    | { readonly type: 'sync'; readonly caller: string };
}

/**
 * A Node.js Lambda function with this project's defaults: arm64, the newest
 * runtime, esbuild bundling with the local esbuild (no Docker), source maps,
 * X-Ray tracing, JSON logs into a log group of its own with a retention.
 */
export class AppFunction extends Construct {
  /** The function. */
  public readonly function: nodejs.NodejsFunction;
  /** The function's log group. */
  public readonly logGroup: logs.ILogGroup;
  /** The function's execution role. */
  public readonly role: iam.IRole;
  /** The function's timeout. */
  public readonly timeout: Duration;

  constructor(scope: Construct, id: string, props: AppFunctionProps) {
    super(scope, id);
    if (!/^lambda\/handlers\/[a-z0-9-]+\.ts$/.test(props.entry)) {
      throw new Error(`AppFunction ${id}: entry must be a file under lambda/handlers/ (got ${props.entry})`);
    }
    if (props.memorySize < 128 || props.memorySize > 10240) {
      throw new Error(`AppFunction ${id}: memorySize must be 128-10240 MB (got ${props.memorySize})`);
    }
    if (props.timeout.toSeconds() < 1 || props.timeout.toSeconds() > 900) {
      throw new Error(`AppFunction ${id}: timeout must be 1-900 s`);
    }

    this.timeout = props.timeout;
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetentionDays,
      removalPolicy: props.logRemovalPolicy,
    });

    // An explicit role instead of the AWS managed execution policies: logs go
    // to this function's log group only.
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${props.description}`.slice(0, 1000),
    });
    this.logGroup.grantWrite(role);
    this.role = role;
    if (props.networking) {
      role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'ManageVpcNetworkInterfaces',
          actions: [
            'ec2:CreateNetworkInterface',
            'ec2:DescribeNetworkInterfaces',
            'ec2:DescribeSubnets',
            'ec2:DeleteNetworkInterface',
            'ec2:AssignPrivateIpAddresses',
            'ec2:UnassignPrivateIpAddresses',
          ],
          resources: ['*'],
        }),
      );
    }
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: props.networking
        ? 'Only X-Ray PutTraceSegments/PutTelemetryRecords and the Lambda VPC network-interface actions use "*": neither service supports resource-level permissions for them.'
        : 'Only X-Ray PutTraceSegments/PutTelemetryRecords use "*": X-Ray does not support resource-level permissions.',
    });
    if (props.invocation.type === 'sync') {
      Validations.of(this).acknowledge({
        id: 'Serverless-LambdaDLQ',
        reason: `Invoked synchronously by ${props.invocation.caller}, which receives and handles the failures; a Lambda dead-letter queue only applies to asynchronous invocations.`,
      });
    }

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      role,
      deadLetterQueue: props.invocation.type === 'async' ? props.invocation.deadLetterQueue : undefined,
      entry: path.join(PROJECT_ROOT, props.entry),
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      handler: 'handler',
      description: props.description,
      runtime: APP_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      tracing: lambda.Tracing.ACTIVE,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      vpc: props.networking?.vpc,
      vpcSubnets: props.networking?.subnets,
      securityGroups: props.networking?.securityGroups,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: 'PhotoApp',
        ...props.environment,
      },
      bundling: {
        ...APP_BUNDLING,
        externalModules: [...APP_BUNDLING.externalModules],
        mainFields: [...APP_BUNDLING.mainFields],
        format: nodejs.OutputFormat.CJS,
      },
    });
  }
}
