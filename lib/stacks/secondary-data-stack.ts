import { Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import type { AppNetwork } from '../constructs/app-network';
import type { DataKeys } from '../constructs/data-keys';
import { PhotoTableReplica } from '../constructs/photo-table';
import { ProfileCache } from '../constructs/profile-cache';
import { ReplicaStream } from '../constructs/replica-stream';
import { SecondaryProfileDatabase } from '../constructs/secondary-profile-database';
import type { DisasterRecoveryPlan } from '../disaster-recovery';
import type { SharedValue } from '../constructs/shared-value';
import type { ApiUsers } from './api-stack';
import { dataRemovalPolicy, logRetention, type StageStackProps } from './stage-props';

/** What the second Region needs to know of the primary Region's data stack, each published whole there. */
export interface PrimaryNames {
  /** The photo table's name (its replica here has the same). */
  readonly tableName: SharedValue;
  /** The user pool's token issuer, whose tokens the API here accepts too. */
  readonly issuer: SharedValue;
  /** The app client the tokens are issued for. */
  readonly appClientId: SharedValue;
}

export interface SecondaryDataStackProps extends StageStackProps {
  readonly plan: DisasterRecoveryPlan;
  /** The second Region's network. */
  readonly network: AppNetwork;
  /** The second Region's customer-managed keys. @default - AWS-managed keys */
  readonly dataKeys?: DataKeys;
  /** The primary Region's names, read once when this stack deploys. */
  readonly primary: PrimaryNames;
}

/**
 * The stores of the second Region that the standby API reads: the Aurora Global Database's
 * secondary cluster with its RDS Proxy, a cache of its own (caches hold copies only, so each
 * Region fills its own), and the photo table's replica as the functions use it. The replica itself
 * belongs to the global table of the data stack, and the photo bucket's replica to the secondary
 * storage stack.
 *
 * This is the one stack of the second Region that reads the primary Region at deploy time: the
 * table's name and the user pool's issuer and app client, which CloudFormation generated there.
 * It copies them into this Region's Parameter Store (`Fn::GetStackOutput` with the primary's
 * Region, which CloudFormation documents for cross-Region references), and the API here reads
 * the copies. So the API of the second Region deploys with the primary Region down; this stack
 * need not be deployed again for a failover.
 */
export class SecondaryDataStack extends Stack {
  public readonly profileDatabase: SecondaryProfileDatabase;
  public readonly profileCache: ProfileCache;
  /** The photo table's replica in this Region. */
  public readonly photoTable: PhotoTableReplica;
  /** The primary Region's users, whose tokens the API here accepts. */
  public readonly users: ApiUsers;

  constructor(scope: Construct, id: string, props: SecondaryDataStackProps) {
    super(scope, id, {
      ...props,
      env: { region: props.plan.secondaryRegion },
      terminationProtection: props.config.dataRemoval === 'retain',
    });
    const { config, network, plan } = props;
    const dataKeys = props.dataKeys?.referencedFrom(this);
    const removalPolicy = dataRemovalPolicy(config);
    const logRetentionDays = logRetention(config);

    const copy = (id: string, value: string, what: string): string =>
      new ssm.CfnParameter(this, id, {
        type: 'String',
        value,
        description: `The primary Region's ${what}, copied here for the stacks of ${plan.secondaryRegion}`,
      }).attrValue;
    const { primary } = props;
    const tableName = copy('PrimaryTableName', primary.tableName.valueFor(this), 'photo table name');
    const issuer = copy('PrimaryIssuer', primary.issuer.valueFor(this), 'user pool token issuer');
    const appClientId = copy('PrimaryAppClientId', primary.appClientId.valueFor(this), 'app client id');

    const stream = new ReplicaStream(this, 'PhotoTableStream', {
      tableName,
      logRetentionDays,
      logRemovalPolicy: removalPolicy,
      logEncryptionKey: dataKeys?.logs,
    });
    this.photoTable = new PhotoTableReplica(this, 'PhotoTable', {
      tableName,
      tableStreamArn: stream.streamArn,
      feedShards: config.photos.feedShards,
      readLegacyFeedPartition: config.photos.readLegacyFeedPartition,
    });
    this.users = {
      issuer: { valueFor: () => issuer },
      appClient: cognito.UserPoolClient.fromUserPoolClientId(this, 'PrimaryAppClient', appClientId),
    };

    this.profileDatabase = new SecondaryProfileDatabase(this, 'ProfileDatabase', {
      vpc: network.vpc,
      subnets: network.dataSubnets,
      clientSecurityGroup: network.functionSecurityGroup,
      globalClusterIdentifier: plan.globalClusterIdentifier,
      clusterIdentifier: plan.secondaryClusterIdentifier,
      instances: plan.config.secondaryInstances,
      minCapacity: config.database.minCapacity,
      maxCapacity: config.database.maxCapacity,
      proxy: config.database.proxy,
      active: plan.activeRegion === plan.secondaryRegion,
      backupRetentionDays: config.database.backupRetentionDays,
      deletionProtection: config.database.deletionProtection,
      storageKey: dataKeys?.database,
      logRetentionDays,
      logEncryptionKey: dataKeys?.logs,
      removalPolicy,
      databaseInsights: config.diagnostics.databaseInsights,
      enhancedMonitoringIntervalSeconds: config.diagnostics.enhancedMonitoringIntervalSeconds,
    });

    this.profileCache = new ProfileCache(this, 'ProfileCache', {
      namePrefix: `photoapp-${config.stage}`,
      vpc: network.vpc,
      subnets: network.dataSubnets,
      clientSecurityGroup: network.functionSecurityGroup,
      nodeType: config.cache.nodeType,
      replicas: config.cache.replicas,
      multiAz: config.cache.multiAz,
      snapshotRetentionDays: config.cache.snapshotRetentionDays,
      port: config.cache.port,
      logRetentionDays,
      logEncryptionKey: dataKeys?.logs,
      removalPolicy,
    });
  }
}
