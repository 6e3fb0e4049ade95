import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { EnvironmentBinding } from './app-function';

/** What a function does with photo objects; each intent is one grant. */
export type PhotoBucketIntent = 'presign-uploads' | 'read-photos' | 'verify-uploads' | 'delete-photos';

export interface PhotoBucketProps {
  /** Origins allowed to PUT (presigned upload) and GET from a browser. */
  readonly allowedOrigins: readonly string[];
  /** Days a replaced or deleted object version is kept. */
  readonly noncurrentVersionExpirationDays: number;
  /** Destroy the buckets and their objects with the stack (dev), or keep them (prod). */
  readonly removalPolicy: RemovalPolicy;
  /** Days server access logs are kept. @default 90 */
  readonly accessLogExpirationDays?: number;
  /**
   * Customer-managed key for the photo objects (SSE-KMS with an S3 Bucket Key); every intent's
   * grant then includes exactly the KMS actions its S3 calls need. @default - SSE-S3
   */
  readonly encryptionKey?: kms.IKey;
}

/** KMS actions of each intent's S3 calls on SSE-KMS objects ("Using SSE-KMS", S3 User Guide). */
const KMS_ACTIONS: Record<PhotoBucketIntent, readonly string[]> = {
  // A single PutObject needs GenerateDataKey only (the upload URLs are never multipart).
  'presign-uploads': ['kms:GenerateDataKey'],
  'read-photos': ['kms:Decrypt'],
  // HEAD and the ranged GET of the arrived version; deleting versions needs no key.
  'verify-uploads': ['kms:Decrypt'],
  // A delete marker holds no data to encrypt.
  'delete-photos': [],
};

/**
 * Photo bytes. Private, TLS-only, encrypted, versioned, with lifecycle rules
 * and server access logs. Clients never get credentials for it: the API hands
 * out presigned URLs for keys it generated. Object-created events go to
 * Amazon EventBridge, so the handler that verifies uploads can live in another
 * stack without a dependency cycle.
 */
export class PhotoBucket extends Construct {
  /** Every photo object lives under this prefix: `photos/<userId>/<photoId>`. */
  static readonly PHOTO_PREFIX = 'photos/';

  /** The photo bucket. */
  public readonly bucket: s3.IBucket;
  /** The bucket that receives the photo bucket's server access logs. */
  public readonly accessLogBucket: s3.IBucket;
  /** The photo objects' customer-managed key, if the stage has one (AWS Backup needs it too). */
  public readonly encryptionKey?: kms.IKey;

  constructor(scope: Construct, id: string, props: PhotoBucketProps) {
    super(scope, id);
    if (props.allowedOrigins.length === 0) {
      throw new Error('PhotoBucket: allowedOrigins must list at least one origin');
    }
    if (props.noncurrentVersionExpirationDays < 1) {
      throw new Error('PhotoBucket: noncurrentVersionExpirationDays must be at least 1');
    }
    const destroy = props.removalPolicy === RemovalPolicy.DESTROY;

    const accessLogBucket = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      // Server access log delivery supports SSE-S3 only.
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [
        { id: 'ExpireAccessLogs', expiration: Duration.days(props.accessLogExpirationDays ?? 90) },
      ],
      removalPolicy: props.removalPolicy,
      autoDeleteObjects: destroy,
    });

    const key = props.encryptionKey;
    const bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      // Default encryption applies to every PUT that names no encryption (the CloudFormation
      // ServerSideEncryptionByDefault property), so presigned upload URLs sign no SSE headers and
      // work the same with either setting. The Bucket Key makes S3 ask KMS for a data key per
      // bucket-level key, not per object, cutting KMS requests by up to 99% ("Reducing the cost of
      // SSE-KMS with Amazon S3 Bucket Keys", S3 User Guide).
      ...(key
        ? { encryption: s3.BucketEncryption.KMS, encryptionKey: key, bucketKeyEnabled: true }
        : { encryption: s3.BucketEncryption.S3_MANAGED }),
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      serverAccessLogsBucket: accessLogBucket,
      serverAccessLogsPrefix: 'photo-bucket/',
      eventBridgeEnabled: true,
      cors: [
        {
          allowedOrigins: [...props.allowedOrigins],
          allowedMethods: [s3.HttpMethods.PUT, s3.HttpMethods.GET],
          // if-none-match: upload URLs sign it (one object per URL), so browsers must be allowed to send it.
          allowedHeaders: ['content-type', 'content-length', 'if-none-match'],
          maxAge: 3000,
        },
      ],
      lifecycleRules: [
        { id: 'AbortIncompleteMultipartUploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
        {
          id: 'ExpireNoncurrentVersions',
          noncurrentVersionExpiration: Duration.days(props.noncurrentVersionExpirationDays),
          expiredObjectDeleteMarker: true,
        },
      ],
      removalPolicy: props.removalPolicy,
      autoDeleteObjects: destroy,
    });
    this.bucket = bucket;
    this.accessLogBucket = accessLogBucket;
    this.encryptionKey = key;
    if (key) {
      // A request may still name its own encryption in headers; these refuse any but this key, so
      // every photo object is encrypted with it. `IfExists`: a PUT without the headers gets the
      // default encryption above (IAM User Guide, "...IfExists condition operators").
      bucket.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'DenyOtherEncryption',
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions: ['s3:PutObject'],
          resources: [bucket.arnForObjects('*')],
          conditions: { StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption': 'aws:kms' } },
        }),
      );
      bucket.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'DenyOtherKmsKeys',
          effect: iam.Effect.DENY,
          principals: [new iam.AnyPrincipal()],
          actions: ['s3:PutObject'],
          resources: [bucket.arnForObjects('*')],
          conditions: {
            StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption-aws-kms-key-id': key.keyArn },
          },
        }),
      );
    }

    // eventBridgeEnabled is applied by CDK's shared bucket-notifications function.
    const notificationsHandler = Stack.of(this).node.tryFindChild(
      'BucketNotificationsHandler050a0587b7544547bf325f094a3db834',
    );
    if (notificationsHandler) {
      Validations.of(notificationsHandler).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          "CDK's bucket-notifications helper (turns on EventBridge delivery at deploy time) uses the basic execution policy to write its own logs only.",
      });
    }
  }

  /**
   * The bucket for one function: its name (BUCKET_NAME) and the grants of what that function does
   * with photo objects: `presign-uploads`, `read-photos`, `verify-uploads`, `delete-photos`.
   */
  bind(...intents: [PhotoBucketIntent, ...PhotoBucketIntent[]]): EnvironmentBinding<'photoBucket'> {
    const grants: Record<PhotoBucketIntent, (role: iam.IRole) => void> = {
      'presign-uploads': (role) => this.grantPresignUploads(role),
      'read-photos': (role) => this.grantReadPhotos(role),
      'verify-uploads': (role) => this.grantVerifyUploads(role),
      'delete-photos': (role) => this.grantDeletePhotos(role),
    };
    return {
      environment: { BUCKET_NAME: this.bucket.bucketName },
      grant: (role) => intents.forEach((intent) => grants[intent](role)),
    };
  }

  /** Sign upload URLs: `s3:PutObject` on photo keys, nothing else. */
  private grantPresignUploads(role: iam.IRole): void {
    role.addManagedPolicy(
      this.photoPolicy('PutPhotos', 'presign-uploads', ['s3:PutObject'], 'sign upload URLs for photo keys'),
    );
  }

  /** Sign download URLs and inspect uploaded objects: `s3:GetObject` (also covers HEAD) on photo keys. */
  private grantReadPhotos(role: iam.IRole): void {
    role.addManagedPolicy(
      this.photoPolicy('GetPhotos', 'read-photos', ['s3:GetObject'], 'read photo objects'),
    );
  }

  /** Delete photo objects (deleted and expired photos): a delete marker; lifecycle expires the bytes. */
  private grantDeletePhotos(role: iam.IRole): void {
    role.addManagedPolicy(
      this.photoPolicy('DeletePhotos', 'delete-photos', ['s3:DeleteObject'], 'delete photo objects'),
    );
  }

  /**
   * Verify an upload: read the exact object version that arrived and, if it
   * does not match its pending photo, delete that version for good.
   */
  private grantVerifyUploads(role: iam.IRole): void {
    role.addManagedPolicy(
      this.photoPolicy(
        'VerifyUploads',
        'verify-uploads',
        ['s3:GetObject', 's3:GetObjectVersion', 's3:DeleteObject', 's3:DeleteObjectVersion'],
        'inspect uploaded photo objects and delete rejected versions',
      ),
    );
  }

  /**
   * The KMS actions of one intent on the photo key, usable only by S3 on this bucket's behalf: through
   * S3 (`kms:ViaService`, "AWS KMS condition keys", KMS Developer Guide) and with this bucket's ARN
   * as the encryption context, which is what S3 sends once a Bucket Key is on ("Changes to note
   * before enabling an S3 Bucket Key", S3 User Guide).
   */
  private keyStatements(intent: PhotoBucketIntent): iam.PolicyStatement[] {
    const actions = KMS_ACTIONS[intent];
    if (!this.encryptionKey || actions.length === 0) return [];
    const stack = Stack.of(this);
    return [
      new iam.PolicyStatement({
        actions: [...actions],
        resources: [this.encryptionKey.keyArn],
        conditions: {
          StringEquals: {
            'kms:ViaService': `s3.${stack.region}.${stack.urlSuffix}`,
            'kms:EncryptionContext:aws:s3:arn': this.bucket.bucketArn,
          },
        },
      }),
    ];
  }

  /**
   * One customer-managed policy per intent, defined beside the bucket. Roles
   * in other stacks attach it, so the policy (and its review) lives with the
   * resource it governs and no stack needs the other's internals.
   */
  private photoPolicy(
    id: string,
    intentName: PhotoBucketIntent,
    actions: string[],
    intent: string,
  ): iam.IManagedPolicy {
    const existing = this.node.tryFindChild(id) as iam.ManagedPolicy | undefined;
    if (existing) {
      return existing;
    }
    const policy = new iam.ManagedPolicy(this, id, {
      description: `Lets a function ${intent} in the photo bucket`,
      statements: [
        new iam.PolicyStatement({
          actions,
          resources: [this.bucket.arnForObjects(`${PhotoBucket.PHOTO_PREFIX}*`)],
        }),
        ...this.keyStatements(intentName),
      ],
    });
    const bucketLogicalId = Stack.of(this).getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket);
    Validations.of(policy).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketLogicalId}.Arn>/${PhotoBucket.PHOTO_PREFIX}*]`,
      reason: `Object keys are generated per upload (${PhotoBucket.PHOTO_PREFIX}<userId>/<photoId>), so the grant covers the photo prefix and nothing outside it; the actions are only those of this one intent.`,
    });
    return policy;
  }
}
