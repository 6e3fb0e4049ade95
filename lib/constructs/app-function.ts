import * as fs from 'node:fs';
import * as path from 'node:path';
import { AssetHashType, Duration, type ILocalBundling, type RemovalPolicy } from 'aws-cdk-lib';
import { Validations } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { buildSync, type BuildOptions } from 'esbuild';
import type { EnvironmentGroup, GroupVariables } from '../../contract/environment';
import { entryOf, type FunctionDeclaration, type GroupsOf } from '../../contract/functions';
import { APP_METRICS_NAMESPACE } from '../app-metrics';

/** Root of the repository: handler entry files are named relative to it. */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/** The newest Node.js runtime this aws-cdk-lib offers, pinned so synth output never drifts. */
export const APP_RUNTIME = lambda.Runtime.NODEJS_24_X;

/**
 * How every handler is bundled, in esbuild's terms: one CommonJS file for
 * APP_RUNTIME with a separate source map. handlerBuildOptions adds the entry
 * and the output file, for AppFunction and the benchmark alike, so the
 * benchmark measures exactly what is deployed.
 */
export const APP_BUNDLING = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node24',
  // Left to the AWS SDK the Lambda runtime ships: only packages imported by
  // their top-level entry (bundling the clients and the credential chain
  // would break the size budgets). That SDK's version varies by runtime
  // version and Region ("Runtime-included SDK versions", Lambda developer
  // guide), and older ones lack the deep imports of @aws-sdk/core and
  // @smithy/* (@smithy/core/checksum), so those are bundled.
  // test/infra/runtime-sdk.test.ts loads every bundle against an old SDK.
  // pg's optional native binding is never installed. sharp is a native
  // module whose binaries must match Lambda's platform, not the build
  // machine's: it comes from the image library layer
  // (lib/constructs/image-library-layer.ts), installed for linux-arm64.
  external: [
    '@aws-sdk/client-*',
    '@aws-sdk/lib-*',
    '@aws-sdk/s3-request-presigner',
    '@aws-sdk/credential-providers',
    'pg-native',
    'sharp',
  ],
  // The ES module builds let esbuild drop what the bundled @smithy/core
  // subpaths do not use (their CommonJS builds are single files).
  mainFields: ['module', 'main'],
  minify: true,
  sourcemap: true,
  sourcesContent: false,
} as const;

/** The esbuild options that bundle `entry` (an absolute path) into `outfile` as APP_BUNDLING says. */
export function handlerBuildOptions(entry: string, outfile: string): BuildOptions {
  return {
    ...APP_BUNDLING,
    external: [...APP_BUNDLING.external],
    mainFields: [...APP_BUNDLING.mainFields],
    entryPoints: [entry],
    outfile,
    absWorkingDir: PROJECT_ROOT,
  };
}

/**
 * esbuild writes a source map's `sources` relative to the bundle's folder,
 * which is a temporary folder of whatever output directory the synth uses: the
 * same code then gets another asset hash from another checkout or another
 * `-o`, and a deploy replaces functions that did not change. This rewrites
 * them relative to the repository root (a package from its `node_modules`
 * folder, which may be a link to another checkout's), so the hash depends on
 * the code alone; stack traces then name `lambda/...` files.
 */
function portableSourceMap(map: string, bundleDir: string): string {
  const parsed = JSON.parse(map) as { sources: string[] };
  parsed.sources = parsed.sources.map((source) => {
    const absolute = path.resolve(bundleDir, source);
    const modules = absolute.indexOf(`${path.sep}node_modules${path.sep}`);
    const portable = modules >= 0 ? absolute.slice(modules + 1) : path.relative(PROJECT_ROOT, absolute);
    return portable.split(path.sep).join('/');
  });
  return JSON.stringify(parsed);
}

/**
 * Bundles one handler into its asset folder within this process. esbuild's
 * synchronous API sends every build of the synth to one esbuild process;
 * NodejsFunction's local bundling started `npx --no-install esbuild` and a
 * shell per function instead (most of a second each, mostly npm's start-up).
 * It never declines, so CDK never falls back to Docker.
 */
class HandlerBundling implements ILocalBundling {
  /**
   * The handler's entry file. A field, not a closure: CDK keys its in-process
   * asset cache on the bundling options as JSON, so each entry must show in it.
   */
  public readonly entry: string;

  constructor(entry: string) {
    this.entry = entry;
  }

  public tryBundle(outputDir: string): boolean {
    const { outputFiles } = buildSync({
      ...handlerBuildOptions(this.entry, path.join(outputDir, 'index.js')),
      write: false,
    });
    for (const file of outputFiles) {
      fs.writeFileSync(
        file.path,
        file.path.endsWith('.map') ? portableSourceMap(file.text, outputDir) : file.contents,
      );
    }
    return true;
  }
}

/** What Lambda does with a function's role to attach it to a VPC; EC2 allows them on `*` only. */
const VPC_NETWORK_INTERFACE_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
];

/** What active tracing grants (CDK adds the statement); X-Ray allows them on `*` only. */
const XRAY_ACTIONS = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'];

export interface AppFunctionNetworking {
  /** The VPC to attach to. */
  readonly vpc: ec2.IVpc;
  /** Subnets for the function's network interfaces. */
  readonly subnets: ec2.SubnetSelection;
  /** Security groups of the function. */
  readonly securityGroups: ec2.ISecurityGroup[];
}

/**
 * One environment group of a function (contract/environment.ts): its variables, and the grant on
 * what they point at. Constructs hand them out (`profileCache.bind()`), so a function gets a
 * resource's variables and its permissions in one step, or neither.
 */
export interface EnvironmentBinding<G extends EnvironmentGroup> {
  readonly environment: GroupVariables<G>;
  /** Grants the function's role what the variables point at; settings have none. */
  readonly grant?: (role: iam.IRole) => void;
}

/** A binding for each environment group the function's declaration names, and no other. */
export type EnvironmentBindings<F extends FunctionDeclaration> = {
  readonly [G in GroupsOf<F>]: EnvironmentBinding<G>;
};

export interface AppFunctionProps<F extends FunctionDeclaration> {
  /** The function's declaration (contract/functions.ts): name (and so its entry file), description, environment groups. */
  readonly function: F;
  /** Its environment, group by group, with the grants that go with it. */
  readonly bindings: EnvironmentBindings<F>;
  /** Memory in MB; set explicitly for every function (CPU scales with it). */
  readonly memorySize: number;
  /** Retention of the function's own log group, in days. */
  readonly logRetentionDays: logs.RetentionDays;
  /** Whether the log group is destroyed with the stack. */
  readonly logRemovalPolicy: RemovalPolicy;
  /**
   * Customer-managed key of the log group. Writers need no grant on it: CloudWatch Logs uses the
   * key itself (its key policy allows that). @default - CloudWatch Logs' own encryption
   */
  readonly logEncryptionKey?: kms.IKey;
  /** Attach to the VPC only when the handler talks to Aurora/RDS Proxy or the cache. @default - not in a VPC */
  readonly networking?: AppFunctionNetworking;
  /** Caps concurrency to protect a downstream that cannot scale with Lambda. @default - unreserved */
  readonly reservedConcurrentExecutions?: number;
  /** Layers with the packages the bundle leaves out (APP_BUNDLING's externals). @default - none */
  readonly layers?: readonly lambda.ILayerVersion[];
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
 * runtime, bundled by esbuild in the synth's process (no Docker), source maps,
 * X-Ray tracing, JSON logs into a log group of its own with a retention.
 */
export class AppFunction<F extends FunctionDeclaration = FunctionDeclaration> extends Construct {
  /** The function. */
  public readonly function: lambda.Function;
  /** The function's log group. */
  public readonly logGroup: logs.ILogGroup;
  /** The function's execution role. */
  public readonly role: iam.IRole;
  /** The function's timeout. */
  public readonly timeout: Duration;
  /** Its Powertools service name: `service` in its logs and the dimension of its metrics. */
  public readonly serviceName: string;
  /** Its declaration in the contract (contract/functions.ts). */
  public readonly declaration: F;

  constructor(scope: Construct, id: string, props: AppFunctionProps<F>) {
    super(scope, id);
    const { description, name } = props.function;
    const entry = entryOf(props.function);
    if (!/^lambda\/handlers\/[a-z0-9-]+\.ts$/.test(entry)) {
      throw new Error(`AppFunction ${id}: entry must be a file under lambda/handlers/ (got ${entry})`);
    }
    if (props.memorySize < 128 || props.memorySize > 10240) {
      throw new Error(`AppFunction ${id}: memorySize must be 128-10240 MB (got ${props.memorySize})`);
    }
    const timeoutSeconds = props.function.timeoutSeconds;
    if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 900) {
      throw new Error(`AppFunction ${id}: timeout must be 1-900 s`);
    }

    this.timeout = Duration.seconds(timeoutSeconds);
    this.serviceName = name;
    this.declaration = props.function;
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetentionDays,
      removalPolicy: props.logRemovalPolicy,
      encryptionKey: props.logEncryptionKey,
    });

    // An explicit role instead of the AWS managed execution policies: logs go
    // to this function's log group only.
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${description}`.slice(0, 1000),
    });
    this.logGroup.grantWrite(role);
    this.role = role;
    if (props.networking) {
      role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'ManageVpcNetworkInterfaces',
          actions: VPC_NETWORK_INTERFACE_ACTIONS,
          resources: ['*'],
        }),
      );
    }
    // The finding id cannot name actions; the reason does, and test/infra/api-stack.test.ts fails
    // when any other action of the role gets "*".
    const onAnyResource = [...XRAY_ACTIONS, ...(props.networking ? VPC_NETWORK_INTERFACE_ACTIONS : [])];
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: `Only ${onAnyResource.join(', ')} use "*": ${props.networking ? 'neither X-Ray nor EC2 supports' : 'X-Ray does not support'} resource-level permissions for them.`,
    });
    if (props.invocation.type === 'sync') {
      Validations.of(this).acknowledge({
        id: 'Serverless-LambdaDLQ',
        reason: `Invoked synchronously by ${props.invocation.caller}, which receives and handles the failures; a Lambda dead-letter queue only applies to asynchronous invocations.`,
      });
    }

    const bindings: Record<string, EnvironmentBinding<EnvironmentGroup>> = props.bindings;
    const environment: Record<string, string> = {};
    for (const group of props.function.environment) {
      const binding = bindings[group];
      if (!binding) throw new Error(`AppFunction ${id}: no binding for the ${group} environment group`);
      const variables: Record<string, string | undefined> = binding.environment;
      for (const [name, value] of Object.entries(variables)) {
        if (value !== undefined) environment[name] = value;
      }
      binding.grant?.(role);
    }

    this.function = new lambda.Function(this, 'Function', {
      role,
      deadLetterQueue: props.invocation.type === 'async' ? props.invocation.deadLetterQueue : undefined,
      code: lambda.Code.fromAsset(PROJECT_ROOT, {
        // Named by the bundle, not by the folder it was built from.
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          local: new HandlerBundling(path.join(PROJECT_ROOT, entry)),
          // The type requires an image; local bundling never declines, so none is pulled.
          image: APP_RUNTIME.bundlingImage,
        },
      }),
      handler: 'index.handler',
      description: description,
      runtime: APP_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: this.timeout,
      tracing: lambda.Tracing.ACTIVE,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: lambda.ApplicationLogLevel.INFO,
      systemLogLevelV2: lambda.SystemLogLevel.WARN,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      layers: props.layers ? [...props.layers] : undefined,
      vpc: props.networking?.vpc,
      vpcSubnets: props.networking?.subnets,
      securityGroups: props.networking?.securityGroups,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: name,
        // Powertools reads both itself; the dashboard and the alarms read the same namespace.
        POWERTOOLS_METRICS_NAMESPACE: APP_METRICS_NAMESPACE,
        ...environment,
      },
    });
  }
}
