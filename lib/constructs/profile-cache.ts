import { ArnFormat, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { intentPolicy } from './intent-policy';
import type { EnvironmentBinding } from './app-function';

/**
 * ACL rules (the Redis ACL syntax, which Valkey keeps) of the functions' cache user: the keys the
 * profile cache adapter writes (`profile:<userId>`) and the three commands it sends. The adapter's
 * tests run against a local user with exactly these rules, so a new key or command in the adapter
 * fails there first.
 */
export const PROFILE_CACHE_ACL_RULES = '~profile:* -@all +get +set +del';

export interface ProfileCacheProps {
  /**
   * Lowercase prefix of the ElastiCache user and user group ids, which are unique per account and
   * region (for example `photoapp-dev`).
   */
  readonly namePrefix: string;
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
  /** Customer-managed key of the slow log group. @default - CloudWatch Logs' own encryption */
  readonly logEncryptionKey?: kms.IKey;
  /** DESTROY (dev) or SNAPSHOT (prod; RETAIN is mapped to SNAPSHOT). */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * Valkey (ElastiCache replication group, cluster mode disabled) for cache-aside
 * profile reads. Valkey speaks the Redis protocol, so the functions keep the
 * ioredis client and local runs keep Debian's redis-server. There is no L2
 * construct, so this wraps the L1 with the production settings: TLS required in
 * transit, encryption at rest, IAM authentication (no password exists), a
 * non-default port, and Multi-AZ with automatic failover, a replica and
 * snapshots where the config asks for them. The cache only ever holds copies:
 * losing it costs latency, not data.
 *
 * Access control is a user group (ACLs): the `default` user, which
 * every group must hold, is switched off, so an unauthenticated connection
 * can run nothing; the functions' user signs in with short-lived IAM tokens
 * and may run GET, SET and DEL on `profile:*` keys only.
 */
export class ProfileCache extends Construct {
  /**
   * Engine of the replication group. ElastiCache prices Valkey nodes about 20% below Redis OSS and
   * offers the same IAM authentication (Valkey 7.2 and later). The cost model prices this engine;
   * the preflight reads it, the version and the parameter group from the template.
   */
  static readonly ENGINE = 'valkey';
  /** The current Valkey minor on ElastiCache; minor upgrades follow `autoMinorVersionUpgrade`. */
  static readonly ENGINE_VERSION = '9.1';
  /**
   * The default parameter group of ENGINE_VERSION's family (`valkey9`), named so that a change of
   * major version (or of engine, from Redis OSS) changes the group in the same update: ElastiCache
   * refuses a version whose family differs from the group's, and the Template Reference says the
   * Redis OSS to Valkey migration "requires a parameter group".
   * https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-elasticache-replicationgroup.html#cfn-elasticache-replicationgroup-engine
   */
  static readonly PARAMETER_GROUP = 'default.valkey9';
  /**
   * Engine of the users and the user group, which stays `redis`: a Valkey replication group accepts
   * user groups of either engine, but a `valkey` user group admits only users that authenticate
   * (password or IAM), and the switched-off `default` user here has no password.
   * https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Clusters.RBAC.html
   */
  static readonly USER_ENGINE = 'redis';

  /** The replication group. */
  public readonly replicationGroup: elasticache.CfnReplicationGroup;
  /** The IAM-enabled user the functions sign in as (user id and user name are equal). */
  public readonly appUser: elasticache.CfnUser;
  /** Its id, which the functions sign their tokens for. */
  public readonly appUserId: string;
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

    if (!/^[a-z][a-z0-9-]{0,25}$/.test(props.namePrefix)) {
      throw new Error(
        `ProfileCache: namePrefix must be lowercase letters, digits and hyphens (got ${props.namePrefix})`,
      );
    }

    const defaultUser = new elasticache.CfnUser(this, 'DefaultUser', {
      engine: ProfileCache.USER_ENGINE,
      userId: `${props.namePrefix}-default`,
      userName: 'default',
      // Switched off: connections that do not sign in as the app user can run nothing.
      accessString: 'off -@all',
      noPasswordRequired: true,
    });
    this.appUserId = `${props.namePrefix}-app`;
    this.appUser = new elasticache.CfnUser(this, 'AppUser', {
      engine: ProfileCache.USER_ENGINE,
      userId: this.appUserId,
      userName: this.appUserId,
      accessString: `on ${PROFILE_CACHE_ACL_RULES}`,
      authenticationMode: { Type: 'iam' },
    });
    const userGroup = new elasticache.CfnUserGroup(this, 'UserGroup', {
      engine: ProfileCache.USER_ENGINE,
      userGroupId: `${props.namePrefix}-profile-cache`,
      userIds: [defaultUser.userId, this.appUser.userId],
    });
    userGroup.addResourceDependency(defaultUser);
    userGroup.addResourceDependency(this.appUser);

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
      encryptionKey: props.logEncryptionKey,
    });

    this.replicationGroup = new elasticache.CfnReplicationGroup(this, 'ReplicationGroup', {
      replicationGroupDescription: 'Profile cache (cache-aside)',
      // An existing Redis OSS group migrates in place: the Template Reference lists Engine as
      // "Update requires: No interruption" (see the README for the upgrade path).
      engine: ProfileCache.ENGINE,
      engineVersion: ProfileCache.ENGINE_VERSION,
      cacheParameterGroupName: ProfileCache.PARAMETER_GROUP,
      cacheNodeType: props.nodeType,
      numCacheClusters: 1 + props.replicas,
      automaticFailoverEnabled: props.multiAz,
      multiAzEnabled: props.multiAz,
      port: props.port,
      cacheSubnetGroupName: subnetGroup.ref,
      securityGroupIds: [this.securityGroup.securityGroupId],
      // Required for a new Valkey group anyway; `required` refuses plain connections.
      transitEncryptionEnabled: true,
      transitEncryptionMode: 'required',
      atRestEncryptionEnabled: true,
      userGroupIds: [userGroup.ref],
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
    Validations.of(this.replicationGroup).acknowledge({
      id: 'AwsSolutions-AEC6',
      reason:
        'The rule only looks for an AUTH token. Clients authenticate instead through the user group with IAM authentication: short-lived SigV4 tokens, an ACL limited to GET/SET/DEL on profile keys, and the default user switched off.',
    });
    if (!props.multiAz) {
      Validations.of(this.replicationGroup).acknowledge({
        id: 'AwsSolutions-AEC4',
        reason:
          'Single-node cache in this stage to keep it cheap (config cache.multiAz=false); the cache holds only copies and the API falls back to the database. A production stage requires Multi-AZ.',
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

  /** Id of the replication group, which IAM tokens are signed for. */
  get replicationGroupId(): string {
    return this.replicationGroup.ref;
  }

  /**
   * The cache for a function: its primary endpoint over TLS, the replication group and user that
   * IAM tokens are signed for, and the `elasticache:Connect` grant for that user.
   */
  bind(): EnvironmentBinding<'cache'> {
    return {
      environment: {
        CACHE_HOST: this.primaryEndpoint,
        CACHE_PORT: String(this.port),
        CACHE_TLS: 'true',
        CACHE_ID: this.replicationGroupId,
        CACHE_IAM_USER: this.appUserId,
      },
      grant: (role) => this.grantConnect(role),
    };
  }

  /** Sign in as the app user with IAM: `elasticache:Connect` on this group and that user only. */
  private grantConnect(role: iam.IRole): void {
    const replicationGroupArn = Stack.of(this).formatArn({
      service: 'elasticache',
      resource: 'replicationgroup',
      resourceName: this.replicationGroup.ref,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    role.addManagedPolicy(
      intentPolicy(
        this,
        'ConnectAsAppUser',
        'Lets a function open IAM-authenticated connections to the profile cache as its app user',
        [
          new iam.PolicyStatement({
            actions: ['elasticache:Connect'],
            resources: [replicationGroupArn, this.appUser.attrArn],
          }),
        ],
      ),
    );
  }
}
