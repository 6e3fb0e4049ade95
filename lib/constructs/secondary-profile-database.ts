import { ArnFormat, Duration, Fn, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct, type IConstruct } from 'constructs';
import type { EnvironmentBinding } from './app-function';
import { intentPolicy } from './intent-policy';
import { ProfileDatabase } from './profile-database';
import { SharedValue } from './shared-value';

export interface SecondaryProfileDatabaseProps {
  readonly vpc: ec2.IVpc;
  /** Isolated subnets for the cluster and the proxy. */
  readonly subnets: ec2.SubnetSelection;
  /** Security group of the functions allowed to connect. */
  readonly clientSecurityGroup: ec2.ISecurityGroup;
  /** The Aurora Global Database to join (its primary is ProfileDatabase's cluster in the other Region). */
  readonly globalClusterIdentifier: string;
  /**
   * The cluster's identifier, fixed so that the runbook's switchover and failover commands and the
   * primary Region's dashboard can name it without reading another Region's outputs.
   */
  readonly clusterIdentifier: string;
  /** Serverless v2 instances, all readers until a switchover or failover promotes the cluster. */
  readonly instances: number;
  readonly minCapacity: number;
  readonly maxCapacity: number;
  /** RDS Proxy in front of the cluster, as in the primary Region. @default true */
  readonly proxy?: boolean;
  /** Whether this Region serves writes (config disasterRecovery.activeRegion). */
  readonly active: boolean;
  readonly backupRetentionDays: number;
  readonly deletionProtection: boolean;
  /** Customer-managed key of the cluster storage, in this Region. @default - this Region's aws/rds key */
  readonly storageKey?: kms.IKey;
  /** Retention of the exported PostgreSQL logs. */
  readonly logRetentionDays: logs.RetentionDays;
  /** Customer-managed key of that log group. @default - CloudWatch Logs' own encryption */
  readonly logEncryptionKey?: kms.IKey;
  /** DESTROY (a disposable stage) or RETAIN. */
  readonly removalPolicy: RemovalPolicy;
  readonly databaseInsights: 'standard' | 'advanced';
  readonly enhancedMonitoringIntervalSeconds: number;
}

/**
 * The profile database's copy in the second Region: a secondary cluster of the Aurora Global
 * Database, on Serverless v2, with RDS Proxy in front as in the primary Region. Aurora replicates
 * the primary's storage to it (typically under a second behind); it takes no writes until a
 * switchover or failover makes it the primary. The handlers meet it exactly as they meet the
 * primary: IAM authentication as `app_user` through the proxy, over TLS; the role and the schema
 * arrive with the replicated storage.
 *
 * No CDK L2 builds a secondary cluster (the L2 always sets master credentials, which a member of a
 * global database takes from the primary), so the cluster and its instances are L1 resources with
 * the primary's settings.
 */
export class SecondaryProfileDatabase extends Construct {
  /** The cluster. */
  public readonly cluster: rds.CfnDBCluster;
  /** The cluster, as the metrics and the proxy see it. */
  public readonly clusterRef: rds.IDatabaseCluster;
  /** The proxy, unless the stage runs without one. */
  public readonly proxy?: rds.DatabaseProxy;
  /** The proxy's read-only endpoint (the secondary's instances are readers). */
  public readonly readOnlyEndpoint?: rds.IDatabaseProxyEndpoint;
  /**
   * The hosts, published whole whatever this Region's role: which of them the functions read
   * changes with a promotion, and a promotion must not change this stack (it is the one that reads
   * the primary Region when it deploys).
   */
  private readonly writerHost: SharedValue;
  private readonly readerEndpointHost: SharedValue;
  /** A promoted cluster of one instance has no reader: its reads go to the writer. */
  private readonly readsFromWriter: boolean;
  private readonly connectionPort: number;

  constructor(scope: Construct, id: string, props: SecondaryProfileDatabaseProps) {
    super(scope, id);
    const withProxy = props.proxy ?? true;
    if (!Number.isInteger(props.instances) || props.instances < 1 || props.instances > 15) {
      throw new Error(
        `SecondaryProfileDatabase: instances must be a whole number from 1 to 15 (got ${props.instances})`,
      );
    }
    if (withProxy && props.minCapacity < 0.5) {
      throw new Error(
        'SecondaryProfileDatabase: minCapacity must be at least 0.5 ACU (RDS Proxy cannot front a paused cluster)',
      );
    }
    if (props.minCapacity > props.maxCapacity) {
      throw new Error(
        `SecondaryProfileDatabase: minCapacity (${props.minCapacity}) exceeds maxCapacity (${props.maxCapacity})`,
      );
    }
    const engine = rds.DatabaseClusterEngine.auroraPostgres({ version: ProfileDatabase.ENGINE_VERSION });
    const retain =
      props.removalPolicy === RemovalPolicy.DESTROY ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;

    const databaseSecurityGroup = new ec2.SecurityGroup(this, 'DatabaseSecurityGroup', {
      vpc: props.vpc,
      description: 'Aurora secondary profile database: reachable from RDS Proxy only',
      allowAllOutbound: false,
    });
    const subnetGroup = new rds.SubnetGroup(this, 'Subnets', {
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      description: 'Secondary profile database: isolated data subnets',
      removalPolicy: retain,
    });
    const parameterGroup = new rds.ParameterGroup(this, 'ClusterParameters', {
      engine,
      description: 'Secondary profile database: TLS required, slow statements logged',
      parameters: { ...ProfileDatabase.CLUSTER_PARAMETERS },
    });
    // RDS names the export's log group after the cluster; with a fixed identifier the group can be
    // created here first, with its retention and key, instead of by CDK's log-retention helper.
    const postgresLogs = new logs.LogGroup(this, 'PostgresLogs', {
      logGroupName: `/aws/rds/cluster/${props.clusterIdentifier}/postgresql`,
      retention: props.logRetentionDays,
      encryptionKey: props.logEncryptionKey,
      removalPolicy: retain,
    });
    const monitoringRole =
      props.enhancedMonitoringIntervalSeconds > 0
        ? new iam.Role(this, 'MonitoringRole', {
            assumedBy: new iam.ServicePrincipal('monitoring.rds.amazonaws.com'),
            managedPolicies: [
              iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonRDSEnhancedMonitoringRole'),
            ],
          })
        : undefined;
    if (monitoringRole) {
      Validations.of(monitoringRole).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole]',
        reason:
          'The Enhanced Monitoring role needs only what AWS documents for it, which is this managed policy: it lets RDS write OS metrics to the RDSOSMetrics log group.',
      });
    }

    this.cluster = new rds.CfnDBCluster(this, 'Cluster', {
      dbClusterIdentifier: props.clusterIdentifier,
      // Joining the global database: no master credentials (they come with the primary's storage).
      globalClusterIdentifier: props.globalClusterIdentifier,
      engine: engine.engineType,
      engineVersion: ProfileDatabase.ENGINE_VERSION.auroraPostgresFullVersion,
      dbClusterParameterGroupName: parameterGroup.bindToCluster({}).parameterGroupName,
      dbSubnetGroupName: subnetGroup.subnetGroupName,
      vpcSecurityGroupIds: [databaseSecurityGroup.securityGroupId],
      port: ProfileDatabase.CLUSTER_PORT,
      // A secondary of an encrypted primary must be encrypted, with a key of its own Region.
      storageEncrypted: true,
      kmsKeyId: props.storageKey?.keyArn,
      enableIamDatabaseAuthentication: true,
      // The Data API answers once the cluster has a writer, that is after a promotion.
      enableHttpEndpoint: true,
      serverlessV2ScalingConfiguration: { minCapacity: props.minCapacity, maxCapacity: props.maxCapacity },
      backupRetentionPeriod: props.backupRetentionDays,
      preferredBackupWindow: '03:00-04:00',
      preferredMaintenanceWindow: 'Sun:04:30-Sun:05:30',
      deletionProtection: props.deletionProtection,
      copyTagsToSnapshot: true,
      enableCloudwatchLogsExports: ['postgresql'],
      databaseInsightsMode: props.databaseInsights,
      performanceInsightsEnabled: true,
      performanceInsightsRetentionPeriod: props.databaseInsights === 'advanced' ? 465 : 7,
      ...(monitoringRole
        ? {
            monitoringInterval: props.enhancedMonitoringIntervalSeconds,
            monitoringRoleArn: monitoringRole.roleArn,
          }
        : {}),
    });
    this.cluster.applyRemovalPolicy(retain);
    this.cluster.node.addDependency(postgresLogs);

    const instances = Array.from({ length: props.instances }, (_, i) => {
      const instance = new rds.CfnDBInstance(this, `Instance${i + 1}`, {
        dbClusterIdentifier: this.cluster.ref,
        dbInstanceClass: 'db.serverless',
        engine: engine.engineType,
        publiclyAccessible: false,
        autoMinorVersionUpgrade: true,
        // The first instance is the one a promotion makes the writer.
        promotionTier: i === 0 ? 0 : 1,
      });
      instance.applyRemovalPolicy(retain);
      return instance;
    });

    this.clusterRef = rds.DatabaseCluster.fromDatabaseClusterAttributes(this, 'ClusterRef', {
      clusterIdentifier: this.cluster.ref,
      clusterResourceIdentifier: this.cluster.attrDbClusterResourceId,
      clusterEndpointAddress: this.cluster.attrEndpointAddress,
      readerEndpointAddress: this.cluster.attrReadEndpointAddress,
      port: ProfileDatabase.CLUSTER_PORT,
      engine,
      securityGroups: [databaseSecurityGroup],
    });

    this.readsFromWriter = props.active && props.instances === 1;
    const host = (id: string, value: string, what: string) =>
      new SharedValue(this, id, { value, description: `Host of the secondary profile database's ${what}` });
    if (!withProxy) {
      this.writerHost = host('WriterHost', this.cluster.attrEndpointAddress, 'writer (once promoted)');
      this.readerEndpointHost = host('ReaderHost', this.cluster.attrReadEndpointAddress, 'readers');
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
      description: 'RDS Proxy of the secondary profile database: reachable from the in-VPC functions only',
      allowAllOutbound: false,
    });
    const proxyRole = new iam.Role(this, 'ProxyRole', {
      assumedBy: new iam.ServicePrincipal('rds.amazonaws.com'),
      description:
        'Lets RDS Proxy sign in to the secondary profile database with IAM as the application user',
    });
    this.clusterRef.grantConnect(proxyRole, ProfileDatabase.APP_USER);
    this.proxy = new rds.DatabaseProxy(this, 'Proxy', {
      proxyTarget: rds.ProxyTarget.fromCluster(this.clusterRef),
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      securityGroups: [proxySecurityGroup],
      role: proxyRole,
      requireTLS: true,
      defaultAuthScheme: rds.DefaultAuthScheme.IAM_AUTH,
      borrowTimeout: Duration.seconds(10),
      idleClientTimeout: Duration.minutes(30),
      maxConnectionsPercent: 90,
      debugLogging: false,
    });
    // The target group registers the cluster, which needs its instances to be there.
    for (const instance of instances) this.proxy.node.addDependency(instance);
    // RDS Proxy with a secondary cluster: its read-only endpoint reaches the readers, and its default
    // endpoint fails ("The target group doesn't have any associated read/write instances") until a
    // promotion gives the cluster a writer ("Using RDS Proxy with Aurora global databases").
    this.readOnlyEndpoint = this.proxy.addEndpoint('ReadOnlyEndpoint', {
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      securityGroups: [proxySecurityGroup],
      targetRole: rds.ProxyEndpointTargetRole.READ_ONLY,
    });
    this.writerHost = host('WriterHost', this.proxy.endpoint, 'proxy (its writer, once promoted)');
    this.readerEndpointHost = host(
      'ReaderHost',
      this.readOnlyEndpoint.endpoint,
      "proxy's read-only endpoint",
    );
    this.connectionPort = ProfileDatabase.PROXY_PORT;
    proxySecurityGroup.connections.allowFrom(
      props.clientSecurityGroup,
      ec2.Port.tcp(ProfileDatabase.PROXY_PORT),
      'In-VPC functions to RDS Proxy',
    );
  }

  /**
   * The database for a function, as ProfileDatabase binds it: the proxy (or the cluster), IAM
   * authentication as the application user, TLS. In a standby Region the handlers send every read
   * to DB_READER_HOST (they run with READ_ONLY), so the writer endpoint is only used once promoted.
   */
  bind(consumer?: IConstruct): EnvironmentBinding<'database'> {
    const scope = consumer ?? this;
    const writer = this.writerHost.valueFor(scope);
    return {
      environment: {
        DB_HOST: writer,
        DB_READER_HOST: this.readsFromWriter ? writer : this.readerEndpointHost.valueFor(scope),
        DB_PORT: String(this.connectionPort),
        DB_NAME: ProfileDatabase.DATABASE_NAME,
        DB_USER: ProfileDatabase.APP_USER,
        DB_TLS: 'true',
        ...(this.proxy ? {} : { NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem' }),
      },
      grant: (role) => this.grantConnect(role),
    };
  }

  private grantConnect(role: iam.IRole): void {
    const resourceId = this.proxy
      ? Fn.select(6, Fn.split(':', this.proxy.dbProxyArn))
      : this.cluster.attrDbClusterResourceId;
    role.addManagedPolicy(
      intentPolicy(
        this,
        'ConnectAsAppUser',
        `Lets a function sign in to the secondary profile database as ${ProfileDatabase.APP_USER} with IAM`,
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
}
