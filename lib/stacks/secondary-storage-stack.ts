import { Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { DataKeys } from '../constructs/data-keys';
import { PhotoBucket } from '../constructs/photo-bucket';
import type { DisasterRecoveryPlan } from '../disaster-recovery';
import { dataRemovalPolicy, type StageStackProps } from './stage-props';

export interface SecondaryStorageStackProps extends StageStackProps {
  readonly plan: DisasterRecoveryPlan;
  /** The second Region's customer-managed keys. @default - AWS-managed keys */
  readonly dataKeys?: DataKeys;
}

/**
 * The photo bucket's replica in the second Region: the destination of the primary bucket's
 * replication rule, so it deploys before the data stack (S3 refuses a replication rule whose
 * destination does not exist or is not versioned). It is a photo bucket like the primary's
 * (private, TLS only, versioned, encrypted with the second Region's photos key, access logs,
 * lifecycle, CORS), under the fixed name the rule writes to.
 */
export class SecondaryStorageStack extends Stack {
  public readonly photoBucket: PhotoBucket;

  constructor(scope: Construct, id: string, props: SecondaryStorageStackProps) {
    super(scope, id, {
      ...props,
      env: { region: props.plan.secondaryRegion },
      terminationProtection: props.config.dataRemoval === 'retain',
    });
    const { config, plan } = props;
    this.photoBucket = new PhotoBucket(this, 'PhotoBucket', {
      bucketName: plan.replicaBucketName,
      allowedOrigins: config.api.allowedOrigins,
      noncurrentVersionExpirationDays: config.photos.noncurrentVersionExpirationDays,
      removalPolicy: dataRemovalPolicy(config),
      encryptionKey: props.dataKeys?.referencedFrom(this).photos,
    });
  }
}
