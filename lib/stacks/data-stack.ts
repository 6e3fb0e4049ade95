import { CfnOutput, Stack, type CfnResource } from 'aws-cdk-lib';
import type { Construct, IConstruct } from 'constructs';
import type { AppNetwork } from '../constructs/app-network';
import { BackupPlan } from '../constructs/backup-plan';
import type { VaultLockWindow } from '../constructs/backup-vault';
import { DataKeys } from '../constructs/data-keys';
import { PhotoBucket } from '../constructs/photo-bucket';
import { PhotoTable } from '../constructs/photo-table';
import { ProfileCache } from '../constructs/profile-cache';
import { ProfileDatabase } from '../constructs/profile-database';
import { SchemaMigrations } from '../constructs/schema-migrations';
import { SharedValue } from '../constructs/shared-value';
import { UserDirectory } from '../constructs/user-directory';
import { BackupCopyStack } from './backup-copy-stack';
import { dataRemovalPolicy, logRetention, type StageStackProps } from './stage-props';

export interface DataStackProps extends StageStackProps {
  readonly network: AppNetwork;
  /** The stage's customer-managed keys. @default - AWS-managed keys */
  readonly dataKeys?: DataKeys;
  /** The Vault Lock of the stage's backup vault. @default - not locked */
  readonly backupLock?: VaultLockWindow;
  /** The vault in another Region (BackupCopyStack) that receives a copy of every recovery point. @default - no copies */
  readonly backupCopyVault?: { readonly region: string; readonly vaultName: string };
  /** The second Region that keeps a copy of every store. @default - none */
  readonly disasterRecovery?: DataStackDisasterRecovery;
}

/** What the data stack keeps in the second Region. */
export interface DataStackDisasterRecovery {
  /** The second Region (config.disasterRecovery.region). */
  readonly region: string;
  /** The Aurora Global Database the profile cluster becomes the primary of. */
  readonly globalClusterIdentifier: string;
  /** The photo bucket's replica there (SecondaryStorageStack). */
  readonly replicaBucketName: string;
  /** S3 Replication Time Control on the photo replication. */
  readonly photoReplicationTimeControl: boolean;
}

/**
 * Everything that holds state: users, photo bytes, photo metadata, profiles
 * and the cache. Termination protection is on wherever the config keeps data.
 */
export class DataStack extends Stack {
  public readonly users: UserDirectory;
  public readonly photoBucket: PhotoBucket;
  public readonly photoTable: PhotoTable;
  public readonly profileDatabase: ProfileDatabase;
  public readonly schemaMigrations: SchemaMigrations;
  public readonly profileCache: ProfileCache;
  public readonly backupPlan: BackupPlan;
  /**
   * What the second Region's stacks read of this stack, where the stage has one: each published
   * whole, from the resources' own `Ref`s (a resource attribute read in another environment makes
   * CDK give the resource a physical name, which would replace the table).
   */
  public readonly forSecondRegion?: {
    readonly tableName: SharedValue;
    readonly issuer: SharedValue;
    readonly appClientId: SharedValue;
  };

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, { ...props, terminationProtection: props.config.dataRemoval === 'retain' });
    const { config, network } = props;
    const dataKeys = props.dataKeys?.referencedFrom(this);
    const removalPolicy = dataRemovalPolicy(config);
    const logRetentionDays = logRetention(config);

    this.users = new UserDirectory(this, 'Users', {
      deletionProtection: config.dataRemoval === 'retain',
      removalPolicy,
    });

    this.photoBucket = new PhotoBucket(this, 'PhotoBucket', {
      allowedOrigins: config.api.allowedOrigins,
      noncurrentVersionExpirationDays: config.photos.noncurrentVersionExpirationDays,
      removalPolicy,
      encryptionKey: dataKeys?.photos,
      replication: props.disasterRecovery && {
        destinationBucketName: props.disasterRecovery.replicaBucketName,
        destinationRegion: props.disasterRecovery.region,
        // The second Region's photos key has the same alias (DataKeys is built there with the stage).
        destinationKeyAlias: dataKeys ? DataKeys.aliasName(config.stage, 'photos') : undefined,
        replicationTimeControl: props.disasterRecovery.photoReplicationTimeControl,
      },
    });

    this.photoTable = new PhotoTable(this, 'PhotoTable', {
      billing: config.photos.billing,
      deletionProtection: config.photos.deletionProtection,
      removalPolicy,
      feedShards: config.photos.feedShards,
      readLegacyFeedPartition: config.photos.readLegacyFeedPartition,
      contributorInsights: config.diagnostics.contributorInsights,
      replicaRegion: props.disasterRecovery?.region,
    });

    this.profileDatabase = new ProfileDatabase(this, 'ProfileDatabase', {
      vpc: network.vpc,
      subnets: network.dataSubnets,
      clientSecurityGroup: network.functionSecurityGroup,
      subnetIds: network.dataSubnetIds,
      proxy: config.database.proxy,
      minCapacity: config.database.minCapacity,
      maxCapacity: config.database.maxCapacity,
      readers: config.database.readers,
      backupRetentionDays: config.database.backupRetentionDays,
      deletionProtection: config.database.deletionProtection,
      secretRotationDays: config.database.secretRotationDays,
      secretEncryptionKey: dataKeys?.secrets,
      // The second Region's secrets key has the same alias (DataKeys is built there with the stage).
      secretReplica: props.disasterRecovery && {
        region: props.disasterRecovery.region,
        keyAlias: dataKeys ? DataKeys.aliasName(config.stage, 'secrets') : undefined,
      },
      logRetentionDays,
      removalPolicy,
      databaseInsights: config.diagnostics.databaseInsights,
      enhancedMonitoringIntervalSeconds: config.diagnostics.enhancedMonitoringIntervalSeconds,
      globalClusterIdentifier: props.disasterRecovery?.globalClusterIdentifier,
    });

    const batch = this.photoBucket.batchReplication;
    if (batch) {
      // For the runbook's Batch Replication job ("Regional failover", "Turning it on").
      new CfnOutput(this, 'PhotoBucketName', { value: this.photoBucket.bucket.bucketName });
      new CfnOutput(this, 'BatchReplicationRoleArn', { value: batch.role.roleArn });
      new CfnOutput(this, 'ReplicationJobsBucketName', { value: batch.jobsBucket.bucketName });
      // For the runbook's rotation steps around a switchover; its replica has the same ARN but the Region.
      new CfnOutput(this, 'AdminSecretArn', { value: this.profileDatabase.adminSecret.secretArn });
    }

    if (props.disasterRecovery) {
      const ref = (resource: IConstruct) => (resource.node.defaultChild as CfnResource).ref;
      this.forSecondRegion = {
        tableName: new SharedValue(this, 'PhotoTableName', {
          value: ref(this.photoTable.table),
          description: "The photo table's name, which its replica in the second Region shares",
        }),
        issuer: this.users.issuer,
        appClientId: new SharedValue(this, 'AppClientId', {
          value: ref(this.users.appClient),
          description: 'The app client whose tokens the second Region accepts too',
        }),
      };
    }

    this.schemaMigrations = new SchemaMigrations(this, 'SchemaMigrations', {
      database: this.profileDatabase,
      logRetentionDays,
      logRemovalPolicy: removalPolicy,
      logEncryptionKey: dataKeys?.logs,
    });

    // Outputs live with the resources they name: an output whose value is a
    // cross-stack reference is not a documented position for Fn::GetStackOutput.
    new CfnOutput(this, 'UserPoolId', { value: this.users.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.users.appClient.userPoolClientId });

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

    this.backupPlan = new BackupPlan(this, 'Backup', {
      namePrefix: `photoapp-${config.stage}`,
      stageToken: config.stage.replace(/[^A-Za-z0-9]/g, ''),
      dailyRetentionDays: config.backup.dailyRetentionDays,
      weeklyRetentionDays: config.backup.weeklyRetentionDays,
      customerManagedKey: config.encryption.customerManagedKeys,
      lock: props.backupLock,
      copyVaultArn:
        props.backupCopyVault &&
        BackupCopyStack.vaultArn(this, props.backupCopyVault.region, props.backupCopyVault.vaultName),
      restoreTesting: config.backup.restoreTesting,
      cluster: this.profileDatabase.cluster,
      table: this.photoTable.table,
      bucket: this.photoBucket.bucket,
    });
  }
}
