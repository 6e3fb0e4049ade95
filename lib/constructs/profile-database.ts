import { ArnFormat, Duration, Fn, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import type * as sam from 'aws-cdk-lib/aws-sam';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { intentPolicy } from './intent-policy';
import { SharedValue } from './shared-value';
import type { EnvironmentBinding } from './app-function';

export interface ProfileDatabaseProps {
  readonly vpc: ec2.IVpc;
  /** Isolated subnets for the cluster and the proxy. */
  readonly subnets: ec2.SubnetSelection;
  /** Security group of the functions allowed to connect through the proxy. */
  readonly clientSecurityGroup: ec2.ISecurityGroup;
  /**
   * The ids of `subnets`, comma-separated, as one value: the rotation
   * application takes them as a single string parameter.
   */
  readonly subnetIds: SharedValue;
  /**
   * Put RDS Proxy in front of the writer. Without it, handlers connect to the
   * cluster directly (still IAM auth over TLS) and the cluster may auto-pause
   * at 0 ACU: a cheaper shape for disposable stages only. @default true
   */
  readonly proxy?: boolean;
  /** Minimum ACUs; 0 (auto-pause) is allowed only without the proxy. */
  readonly minCapacity: number;
  readonly maxCapacity: number;
  /** Idle time before a 0-ACU cluster pauses. @default 10 minutes */
  readonly autoPauseAfter?: Duration;
  /** Serverless v2 readers beside the writer. */
  readonly readers: number;
  readonly backupRetentionDays: number;
  readonly deletionProtection: boolean;
  readonly secretRotationDays: number;
  /**
   * Customer-managed key of the admin secret. CDK grants its use through Secrets Manager
   * (`kms:ViaService`) wherever it grants reading the secret. @default - the `aws/secretsmanager` key
   */
  readonly secretEncryptionKey?: kms.IKey;
  /**
   * A replica of the admin secret in another Region (the second Region of disaster recovery), kept
   * current by Secrets Manager on every change of the primary, rotations included ("Replicate
   * AWS Secrets Manager secrets across Regions", Secrets Manager User Guide), so that a promoted
   * secondary cluster can be administered with the primary Region lost. Encrypted there with the
   * key of `keyAlias` (CloudFormation's `ReplicaRegions.KmsKeyId` takes an alias), or that
   * Region's `aws/secretsmanager` key. @default - no replica
   */
  readonly secretReplica?: { readonly region: string; readonly keyAlias?: string };
  /** Retention of the exported PostgreSQL logs. */
  readonly logRetentionDays: logs.RetentionDays;
  /** DESTROY (dev) or SNAPSHOT (prod) for the cluster; RETAIN is mapped to SNAPSHOT. */
  readonly removalPolicy: RemovalPolicy;
  /**
   * CloudWatch Database Insights mode. Both keep Performance Insights on: `standard` with its free
   * 7 days of history, `advanced` (charged per ACU-hour) with the 15 months that mode requires.
   */
  readonly databaseInsights: 'standard' | 'advanced';
  /** Enhanced Monitoring (OS metrics into CloudWatch Logs) every this many seconds; 0 turns it off. */
  readonly enhancedMonitoringIntervalSeconds: number;
  /**
   * Make the cluster the primary of an Aurora Global Database with this identifier, which a
   * secondary cluster in another Region joins by name (SecondaryProfileDatabase). @default - a
   * cluster of one Region
   */
  readonly globalClusterIdentifier?: string;
}

/**
 * User profiles in Aurora PostgreSQL Serverless v2, fronted by RDS Proxy
 * (a disposable stage may leave the proxy out to let the cluster pause).
 *
 * - Handlers connect to the proxy as `app_user` with IAM tokens over TLS; the
 *   proxy uses end-to-end IAM authentication to the database, so no
 *   application password exists anywhere.
 * - The admin credentials are generated into Secrets Manager and rotated; only
 *   the rotation function, the proxy-less Data API (schema migrations) and
 *   break-glass operators use them.
 * - RDS Proxy cannot front a paused cluster, so the minimum capacity stays at
 *   0.5 ACU or more.
 */
export class ProfileDatabase extends Construct {
  /** Database that holds the profiles. */
  static readonly DATABASE_NAME = 'photos';
  /** Login role of the handlers (created by the schema migrations, IAM auth only). */
  static readonly APP_USER = 'app_user';
  /** The cluster listens on a non-default port; the proxy listens on 5432. */
  static readonly CLUSTER_PORT = 5438;
  static readonly PROXY_PORT = 5432;
  /** Engine version of the cluster; the region checks and the preflight read it from here. */
  static readonly ENGINE_VERSION = rds.AuroraPostgresEngineVersion.VER_17_9;
  /** The cluster parameters: TLS required, slow statements logged (a secondary cluster uses them too). */
  static readonly CLUSTER_PARAMETERS: Readonly<Record<string, string>> = {
    'rds.force_ssl': '1',
    log_min_duration_statement: '1000',
  };

  /** The Aurora cluster. */
  public readonly cluster: rds.DatabaseCluster;
  /** The Aurora Global Database the cluster is the primary of, where it is one. */
  public readonly globalCluster?: rds.CfnGlobalCluster;
  /** The RDS Proxy in front of the writer, unless the stage runs without one. */
  public readonly proxy?: rds.DatabaseProxy;
  /** Host name the handlers connect to: the proxy, or the writer endpoint without one. */
  public readonly connectionHost: string;
  /**
   * Host name of the reads that tolerate replica lag: the proxy's read-only endpoint (the cluster
   * reader endpoint without a proxy) where the stage has readers, else `connectionHost`.
   */
  public readonly readerHost: string;
  /** The proxy's read-only endpoint, where the stage has a proxy and readers. */
  public readonly readOnlyEndpoint?: rds.IDatabaseProxyEndpoint;
  /** Port the handlers connect to. */
  public readonly connectionPort: number;
  /** Generated, rotated admin credentials. */
  public readonly adminSecret: secretsmanager.ISecret;
  /**
   * The admin secret's rotation schedule. Secrets Manager rotates as soon as
   * the schedule is created (`RotateImmediatelyOnUpdate` defaults to true), so
   * anything that signs in with the secret at deploy time orders itself
   * before it.
   */
  public readonly rotationSchedule: secretsmanager.RotationSchedule;
  /**
   * Name of the function that rotates the admin secret, for its alarms. The
   * rotation application creates it, so it is no `AWS::Lambda::Function` of
   * this template; the name is the last field of the application's
   * `RotationLambdaARN` output, taken apart here so it crosses as one value.
   */
  public readonly rotationFunctionName: SharedValue;

  constructor(scope: Construct, id: string, props: ProfileDatabaseProps) {
    super(scope, id);
    const withProxy = props.proxy ?? true;
    if (withProxy && props.minCapacity < 0.5) {
      throw new Error(
        'ProfileDatabase: minCapacity must be at least 0.5 ACU (RDS Proxy cannot front a paused cluster)',
      );
    }
    if (props.minCapacity < 0) {
      throw new Error('ProfileDatabase: minCapacity must not be negative');
    }
    if (props.minCapacity > props.maxCapacity) {
      throw new Error(
        `ProfileDatabase: minCapacity (${props.minCapacity}) exceeds maxCapacity (${props.maxCapacity})`,
      );
    }
    if (props.backupRetentionDays < 1 || props.backupRetentionDays > 35) {
      throw new Error('ProfileDatabase: backupRetentionDays must be 1-35');
    }
    const clusterRemoval =
      props.removalPolicy === RemovalPolicy.DESTROY ? RemovalPolicy.DESTROY : RemovalPolicy.SNAPSHOT;

    const databaseSecurityGroup = new ec2.SecurityGroup(this, 'DatabaseSecurityGroup', {
      vpc: props.vpc,
      description: 'Aurora profile database: reachable from RDS Proxy and the rotation function only',
      allowAllOutbound: false,
    });

    const parameterGroup = new rds.ParameterGroup(this, 'ClusterParameters', {
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: ProfileDatabase.ENGINE_VERSION }),
      description: 'Profile database: TLS required, slow statements logged',
      parameters: { ...ProfileDatabase.CLUSTER_PARAMETERS },
    });

    this.cluster = new rds.DatabaseCluster(this, 'Cluster', {
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: ProfileDatabase.ENGINE_VERSION }),
      parameterGroup,
      credentials: rds.Credentials.fromGeneratedSecret('photos_admin', {
        excludeCharacters: ' %+~`#$&*()|[]{}:;<>?!\'/@"\\',
        encryptionKey: props.secretEncryptionKey,
        ...(props.secretReplica ? { replicaRegions: [this.secretReplicaRegion(props.secretReplica)] } : {}),
      }),
      defaultDatabaseName: ProfileDatabase.DATABASE_NAME,
      port: ProfileDatabase.CLUSTER_PORT,
      writer: rds.ClusterInstance.serverlessV2('Writer', {
        publiclyAccessible: false,
        autoMinorVersionUpgrade: true,
      }),
      readers: Array.from({ length: props.readers }, (_, i) =>
        rds.ClusterInstance.serverlessV2(`Reader${i + 1}`, {
          publiclyAccessible: false,
          autoMinorVersionUpgrade: true,
          // A failover target must be able to take the writer's load at once.
          scaleWithWriter: true,
        }),
      ),
      serverlessV2MinCapacity: props.minCapacity,
      serverlessV2AutoPauseDuration:
        props.minCapacity === 0 ? (props.autoPauseAfter ?? Duration.minutes(10)) : undefined,
      serverlessV2MaxCapacity: props.maxCapacity,
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      securityGroups: [databaseSecurityGroup],
      storageEncrypted: true,
      iamAuthentication: true,
      enableDataApi: true,
      backup: { retention: Duration.days(props.backupRetentionDays), preferredWindow: '03:00-04:00' },
      preferredMaintenanceWindow: 'Sun:04:30-Sun:05:30',
      deletionProtection: props.deletionProtection,
      copyTagsToSnapshot: true,
      cloudwatchLogsExports: ['postgresql'],
      cloudwatchLogsRetention: props.logRetentionDays,
      removalPolicy: clusterRemoval,
      // Set on the cluster, which applies them to every instance: Database Insights requires all
      // instances of a cluster to share them (Aurora User Guide, "Considerations for Database
      // Insights"). Advanced mode requires 465 days of Performance Insights retention
      // (AWS::RDS::DBCluster DatabaseInsightsMode). Performance Insights data is encrypted with the
      // AWS managed key aws/rds, like the cluster's storage.
      databaseInsightsMode:
        props.databaseInsights === 'advanced'
          ? rds.DatabaseInsightsMode.ADVANCED
          : rds.DatabaseInsightsMode.STANDARD,
      enablePerformanceInsights: true,
      performanceInsightRetention:
        props.databaseInsights === 'advanced'
          ? rds.PerformanceInsightRetention.MONTHS_15
          : rds.PerformanceInsightRetention.DEFAULT,
      ...(props.enhancedMonitoringIntervalSeconds > 0
        ? {
            // CDK creates the monitoring role (monitoring.rds.amazonaws.com, AmazonRDSEnhancedMonitoringRole).
            monitoringInterval: Duration.seconds(props.enhancedMonitoringIntervalSeconds),
            enableClusterLevelEnhancedMonitoring: true,
          }
        : {}),
    });
    Validations.of(this.cluster).acknowledge({
      id: '@aws-cdk/aws-rds:instancePerformanceInsightsOverridden',
      reason:
        'Performance Insights is set once, on the cluster, which RDS applies to every instance; Database Insights requires all instances to share it.',
    });
    const monitoringRole = this.cluster.node.tryFindChild('MonitoringRole');
    if (monitoringRole) {
      Validations.of(monitoringRole).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole]',
        reason:
          'The Enhanced Monitoring role needs only what AWS documents for it, which is this managed policy: it lets RDS write OS metrics to the RDSOSMetrics log group.',
      });
    }
    if (!props.deletionProtection) {
      Validations.of(this.cluster).acknowledge({
        id: 'AwsSolutions-RDS10',
        reason:
          'Deletion protection is off only in a disposable stage (config database.deletionProtection=false) so that it tears down cleanly; a production stage requires it.',
      });
    }
    // cloudwatchLogsRetention is applied by CDK's shared log-retention function.
    const logRetentionFunction = Stack.of(this).node.tryFindChild(
      'LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8a',
    );
    if (logRetentionFunction) {
      Validations.of(logRetentionFunction).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          "CDK's log-retention helper (sets retention on the log group RDS creates for exported PostgreSQL logs) uses the basic execution policy; it writes only its own logs.",
      });
      Validations.of(logRetentionFunction).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'The log-retention helper must set retention on a log group that RDS names and creates at run time, so its logs:PutRetentionPolicy grant cannot name it in advance.',
      });
    }
    if (props.globalClusterIdentifier !== undefined) {
      // The existing cluster becomes the primary: the global cluster takes its engine, version and
      // encryption from it (AWS::RDS::GlobalCluster SourceDBClusterIdentifier), and a secondary
      // cluster in another Region then joins by the global identifier. Storage-based replication
      // keeps a secondary typically under a second behind ("Using Amazon Aurora Global Database").
      this.globalCluster = new rds.CfnGlobalCluster(this, 'GlobalCluster', {
        globalClusterIdentifier: props.globalClusterIdentifier,
        sourceDbClusterIdentifier: this.cluster.clusterArn,
        deletionProtection: props.deletionProtection,
      });
      this.globalCluster.applyRemovalPolicy(
        props.removalPolicy === RemovalPolicy.DESTROY ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
      );
    }

    this.adminSecret = this.cluster.secret!;
    // `cluster.secret` is the attachment; the generated secret itself is the
    // cluster's child. Restoring a final snapshot needs its credentials.
    const generatedSecret = this.cluster.node.findChild('Secret') as rds.DatabaseSecret;
    generatedSecret.applyRemovalPolicy(
      props.removalPolicy === RemovalPolicy.DESTROY ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    );

    const rotation = this.cluster.addRotationSingleUser({
      automaticallyAfter: Duration.days(props.secretRotationDays),
      vpcSubnets: props.subnets,
      // No `endpoint`: the rotation function then calls the standard regional
      // host name, which the Secrets Manager interface endpoint answers because
      // its private DNS is on. That is the setup AWS documents for rotation
      // functions without internet access ("Network access for rotation
      // functions"); the endpoint-specific host name CDK builds from an
      // endpoint id is not needed and would tie this stack to the endpoint's id.
    });
    // The rotation application takes the subnets as one comma-separated string;
    // built here from per-subnet references, it would nest each cross-stack
    // reference inside Fn::Join. The network stack publishes the joined value.
    const rotationApplication = rotation.node.defaultChild as sam.CfnApplication;
    rotationApplication.addPropertyOverride('Parameters.vpcSubnetIds', props.subnetIds.valueFor(this));
    this.rotationFunctionName = new SharedValue(this, 'RotationFunctionName', {
      value: Fn.select(6, Fn.split(':', rotationApplication.getAtt('Outputs.RotationLambdaARN').toString())),
      description: 'Name of the function that rotates the profile database admin secret',
    });
    this.rotationSchedule = (this.cluster.secret as secretsmanager.SecretTargetAttachment).node.findChild(
      'RotationSchedule',
    ) as secretsmanager.RotationSchedule;

    if (!withProxy) {
      this.connectionHost = this.cluster.clusterEndpoint.hostname;
      // The reader endpoint falls back to the writer without readers, but naming the writer keeps
      // the routing the same in every stage without readers.
      this.readerHost = props.readers > 0 ? this.cluster.clusterReadEndpoint.hostname : this.connectionHost;
      this.connectionPort = ProfileDatabase.CLUSTER_PORT;
      databaseSecurityGroup.connections.allowFrom(
        props.clientSecurityGroup,
        ec2.Port.tcp(ProfileDatabase.CLUSTER_PORT),
        'In-VPC functions to the Aurora cluster (no proxy in this stage)',
      );
      return;
    }

    const proxySecurityGroup = new ec2.SecurityGroup(this, 'ProxySecurityGroup', {
      vpc: props.vpc,
      description: 'RDS Proxy: reachable from the in-VPC functions only',
      allowAllOutbound: false,
    });
    const proxyRole = new iam.Role(this, 'ProxyRole', {
      assumedBy: new iam.ServicePrincipal('rds.amazonaws.com'),
      description: 'Lets RDS Proxy sign in to the profile database with IAM as the application user',
    });
    this.cluster.grantConnect(proxyRole, ProfileDatabase.APP_USER);

    this.proxy = new rds.DatabaseProxy(this, 'Proxy', {
      proxyTarget: rds.ProxyTarget.fromCluster(this.cluster),
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      securityGroups: [proxySecurityGroup],
      role: proxyRole,
      requireTLS: true,
      defaultAuthScheme: rds.DefaultAuthScheme.IAM_AUTH,
      // Fail fast instead of holding a Lambda for the 120 s default.
      borrowTimeout: Duration.seconds(10),
      idleClientTimeout: Duration.minutes(30),
      maxConnectionsPercent: 90,
      debugLogging: false,
    });
    this.connectionHost = this.proxy.endpoint;
    this.connectionPort = ProfileDatabase.PROXY_PORT;
    if (props.readers > 0) {
      // Routes to the reader instances only, never to the writer (Aurora User Guide, "Using
      // reader endpoints with Aurora clusters" under RDS Proxy endpoints), hence only with readers.
      // It shares the proxy's IAM authentication and resource id (so the same rds-db:connect
      // grant) and, given the proxy's security group, its ingress from the functions; without
      // one it would get the VPC's default group (AWS::RDS::DBProxyEndpoint VpcSecurityGroupIds).
      this.readOnlyEndpoint = this.proxy.addEndpoint('ReadOnlyEndpoint', {
        vpc: props.vpc,
        vpcSubnets: props.subnets,
        securityGroups: [proxySecurityGroup],
        targetRole: rds.ProxyEndpointTargetRole.READ_ONLY,
      });
      this.readerHost = this.readOnlyEndpoint.endpoint;
    } else {
      this.readerHost = this.connectionHost;
    }

    // The proxy opens the cluster's port to itself (ingress on the database
    // group, egress on its own). Connections add the ingress rule and the
    // matching egress rule on the functions' group, created in this stack.
    proxySecurityGroup.connections.allowFrom(
      props.clientSecurityGroup,
      ec2.Port.tcp(ProfileDatabase.PROXY_PORT),
      'In-VPC functions to RDS Proxy',
    );
  }

  /**
   * The database for a function that connects to it: where to connect (the proxy, or the writer
   * where the stage has none), as whom, over TLS, and the `rds-db:connect` grant for that user.
   */
  bind(): EnvironmentBinding<'database'> {
    return {
      environment: {
        DB_HOST: this.connectionHost,
        DB_READER_HOST: this.readerHost,
        DB_PORT: String(this.connectionPort),
        DB_NAME: ProfileDatabase.DATABASE_NAME,
        DB_USER: ProfileDatabase.APP_USER,
        DB_TLS: 'true',
        // Aurora's own certificates chain to the RDS CA, which Node.js does not trust by default;
        // the Lambda runtime ships that bundle. RDS Proxy presents a publicly trusted certificate
        // and needs nothing extra.
        ...(this.proxy ? {} : { NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem' }),
      },
      grant: (role) => this.grantConnect(role),
    };
  }

  /** The admin secret's replica Region, with its key named by alias (the key is another Region's stack's). */
  private secretReplicaRegion(replica: {
    readonly region: string;
    readonly keyAlias?: string;
  }): secretsmanager.ReplicaRegion {
    if (replica.keyAlias === undefined) return { region: replica.region };
    const aliasArn = Stack.of(this).formatArn({
      service: 'kms',
      region: replica.region,
      resource: replica.keyAlias,
      arnFormat: ArnFormat.NO_RESOURCE_NAME,
    });
    return { region: replica.region, encryptionKey: kms.Key.fromKeyArn(this, 'SecretReplicaKey', aliasArn) };
  }

  /** The database for the migrations: the cluster and admin secret for the Data API, and the grant to use them. */
  bindMigrations(): EnvironmentBinding<'migrations'> {
    return {
      environment: {
        DB_CLUSTER_ARN: this.cluster.clusterArn,
        DB_SECRET_ARN: this.adminSecret.secretArn,
        DB_NAME: ProfileDatabase.DATABASE_NAME,
      },
      grant: (role) => this.grantDataApiAccess(role),
    };
  }

  /**
   * Connect as the application user with an IAM token (`rds-db:connect`),
   * through the proxy when there is one. The `dbuser` ARN names the proxy's
   * (or cluster's) resource id, which exists only inside this stack.
   */
  private grantConnect(role: iam.IRole): void {
    const resourceId = this.proxy
      ? // A proxy ARN ends in `db-proxy:<resource id>`; `rds-db:connect` names that id.
        Fn.select(6, Fn.split(':', this.proxy.dbProxyArn))
      : this.cluster.clusterResourceIdentifier;
    role.addManagedPolicy(
      intentPolicy(
        this,
        'ConnectAsAppUser',
        `Lets a function sign in to the profile database as ${ProfileDatabase.APP_USER} with IAM`,
        [
          new iam.PolicyStatement({
            actions: ['rds-db:connect'],
            resources: [
              Stack.of(this).formatArn({
                service: 'rds-db',
                resource: 'dbuser',
                resourceName: `${resourceId}/${ProfileDatabase.APP_USER}`,
                arnFormat: ArnFormat.COLON_RESOURCE_NAME,
              }),
            ],
          }),
        ],
      ),
    );
  }

  /** Run SQL through the RDS Data API as the admin user (schema migrations). */
  private grantDataApiAccess(grantee: iam.IGrantable): iam.Grant {
    const grant = this.cluster.grantDataApiAccess(grantee);
    // The Data API reads the admin secret with the caller's permissions, so the caller must be
    // able to decrypt it through Secrets Manager ("Secret encryption and decryption", Secrets
    // Manager User Guide). CDK's own grant for that goes into the key policy, which it cannot
    // write for a key kept in another stack; this one goes on the role.
    const key = this.adminSecret.encryptionKey;
    if (key) {
      grantee.grantPrincipal.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: [key.keyArn],
          conditions: {
            StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` },
          },
        }),
      );
    }
    return grant;
  }
}
