import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export interface ProfileCacheProps {
  readonly vpc: ec2.IVpc;
  /** Isolated subnets of the cache nodes. */
  readonly subnets: ec2.SubnetSelection;
  /** Security group of the functions allowed to connect. */
  readonly clientSecurityGroup: ec2.ISecurityGroup;
  readonly nodeType: string;
  /** Replicas beside the primary. */
  readonly replicas: number;
  /** Multi-AZ with automatic failover (needs a replica). */
  readonly multiAz: boolean;
  /** Daily snapshots kept; 0 disables them. */
  readonly snapshotRetentionDays: number;
  /** A non-default port. */
  readonly port: number;
  readonly logRetentionDays: logs.RetentionDays;
  /** DESTROY (dev) or SNAPSHOT (prod; RETAIN is mapped to SNAPSHOT). */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * Redis (ElastiCache replication group, cluster mode disabled) for cache-aside
 * profile reads. There is no L2 construct, so this wraps the L1 with the
 * production settings: TLS required in transit, encryption at rest, an AUTH
 * token generated into Secrets Manager, a non-default port, and Multi-AZ with
 * automatic failover, a replica and snapshots where the config asks for them.
 * The cache only ever holds copies: losing it costs latency, not data.
 */
export class ProfileCache extends Construct {
  /** The replication group. */
  public readonly replicationGroup: elasticache.CfnReplicationGroup;
  /** The AUTH token; handlers read it at cold start. */
  public readonly authToken: secretsmanager.ISecret;
  /** Security group of the cache nodes. */
  public readonly securityGroup: ec2.ISecurityGroup;
  /** The port clients connect to. */
  public readonly port: number;

  constructor(scope: Construct, id: string, props: ProfileCacheProps) {
    super(scope, id);
    if (props.multiAz && props.replicas < 1) {
      throw new Error('ProfileCache: multiAz needs at least one replica');
    }
    if (props.port === 6379) {
      throw new Error('ProfileCache: use a non-default port, not 6379');
    }
    this.port = props.port;

    this.authToken = new secretsmanager.Secret(this, 'AuthToken', {
      description: 'AUTH token of the profile cache (Redis)',
      // ElastiCache accepts 16-128 printable characters without @, " and /.
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy:
        props.removalPolicy === RemovalPolicy.DESTROY ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description: 'Profile cache: reachable from the in-VPC functions only',
      allowAllOutbound: false,
    });
    this.securityGroup.connections.allowFrom(
      props.clientSecurityGroup,
      ec2.Port.tcp(props.port),
      'In-VPC functions to the profile cache',
    );

    const subnetGroup = new elasticache.CfnSubnetGroup(this, 'SubnetGroup', {
      description: 'Isolated subnets of the profile cache',
      subnetIds: props.vpc.selectSubnets(props.subnets).subnetIds,
    });

    const slowLog = new logs.LogGroup(this, 'SlowLog', {
      retention: props.logRetentionDays,
      removalPolicy:
        props.removalPolicy === RemovalPolicy.DESTROY ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });

    this.replicationGroup = new elasticache.CfnReplicationGroup(this, 'ReplicationGroup', {
      replicationGroupDescription: 'Profile cache (cache-aside)',
      engine: 'redis',
      engineVersion: '7.1',
      cacheNodeType: props.nodeType,
      numCacheClusters: 1 + props.replicas,
      automaticFailoverEnabled: props.multiAz,
      multiAzEnabled: props.multiAz,
      port: props.port,
      cacheSubnetGroupName: subnetGroup.ref,
      securityGroupIds: [this.securityGroup.securityGroupId],
      transitEncryptionEnabled: true,
      transitEncryptionMode: 'required',
      atRestEncryptionEnabled: true,
      authToken: this.authToken.secretValue.unsafeUnwrap(),
      autoMinorVersionUpgrade: true,
      snapshotRetentionLimit: props.snapshotRetentionDays,
      snapshotWindow: props.snapshotRetentionDays > 0 ? '03:00-04:00' : undefined,
      preferredMaintenanceWindow: 'sun:05:00-sun:06:00',
      logDeliveryConfigurations: [
        {
          destinationType: 'cloudwatch-logs',
          destinationDetails: { cloudWatchLogsDetails: { logGroup: slowLog.logGroupName } },
          logFormat: 'json',
          logType: 'slow-log',
        },
      ],
    });
    Validations.of(this.authToken).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'ElastiCache AUTH tokens have no Secrets Manager rotation template; rotating one needs a coordinated ModifyReplicationGroup (ROTATE then SET) with clients re-reading the secret, which is a runbook step, not an automatic rotation.',
    });
    if (!props.multiAz) {
      Validations.of(this.replicationGroup).acknowledge({
        id: 'AwsSolutions-AEC4',
        reason:
          'Single-node cache in this stage to keep it cheap (config cache.multiAz=false); the cache holds only copies and the API falls back to the database. Prod config requires Multi-AZ.',
      });
    }
    this.replicationGroup.applyRemovalPolicy(
      props.removalPolicy === RemovalPolicy.DESTROY ? RemovalPolicy.DESTROY : RemovalPolicy.SNAPSHOT,
    );
  }

  /** Host name of the primary endpoint. */
  get primaryEndpoint(): string {
    return this.replicationGroup.attrPrimaryEndPointAddress;
  }

  /** Read the AUTH token, which is all a client needs besides network access. */
  grantConnect(grantee: iam.IGrantable): iam.Grant {
    return this.authToken.grantRead(grantee);
  }
}
