import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type { Construct } from 'constructs';
import { AppFunction, type AppFunctionProps } from '../constructs/app-function';
import { DeadLetterQueue } from '../constructs/dead-letter-queue';
import type { MonitoredFunction, MonitoredQueue } from '../constructs/operations-monitoring';
import type { AppNetwork } from '../constructs/app-network';
import { PhotoApi } from '../constructs/photo-api';
import { PhotoBucket } from '../constructs/photo-bucket';
import type { PhotoTable } from '../constructs/photo-table';
import { PhotoStreamProcessor } from '../constructs/photo-stream-processor';
import type { ProfileCache } from '../constructs/profile-cache';
import { ProfileDatabase } from '../constructs/profile-database';
import { UploadEvents } from '../constructs/upload-events';
import type { UserDirectory } from '../constructs/user-directory';
import { dataRemovalPolicy, logRetention, type StageStackProps } from './stage-props';

export interface ApiStackProps extends StageStackProps {
  readonly network: AppNetwork;
  readonly users: UserDirectory;
  readonly photoBucket: PhotoBucket;
  readonly photoTable: PhotoTable;
  readonly profileDatabase: ProfileDatabase;
  readonly profileCache: ProfileCache;
}

/**
 * Everything stateless: the HTTP API, its handlers and the event handlers.
 * It can be destroyed and redeployed without touching any data.
 */
export class ApiStack extends Stack {
  public readonly api: PhotoApi;
  public readonly healthFunction: AppFunction;
  public readonly photosFunction: AppFunction;
  public readonly profilesFunction: AppFunction;
  public readonly uploadCompleteFunction: AppFunction;
  public readonly streamProcessorFunction: AppFunction;
  public readonly streamProcessor: PhotoStreamProcessor;
  /** Finishes the photo changes the stream processor kept during an outage. */
  public readonly reconcilerFunction: AppFunction;
  public readonly uploadEvents: UploadEvents;
  /** Every function of this stack, for the alarms. */
  public readonly monitoredFunctions: MonitoredFunction[];
  /** Every dead-letter queue of this stack, for the alarms. */
  public readonly deadLetterQueues: MonitoredQueue[];

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    const { config, network, photoBucket, photoTable, profileDatabase, profileCache } = props;
    const common = {
      logRetentionDays: logRetention(config),
      // Log groups of stateless functions follow the data policy too: prod keeps its evidence.
      logRemovalPolicy: dataRemovalPolicy(config),
    } satisfies Partial<AppFunctionProps>;
    const inVpc: AppFunctionProps['networking'] = {
      vpc: network.vpc,
      subnets: network.applicationSubnets,
      securityGroups: [network.functionSecurityGroup],
    };
    const databaseEnv = {
      DB_HOST: profileDatabase.connectionHost,
      DB_PORT: String(profileDatabase.connectionPort),
      DB_NAME: ProfileDatabase.DATABASE_NAME,
      DB_USER: ProfileDatabase.APP_USER,
      DB_TLS: 'true',
      // Aurora's own certificates chain to the RDS CA, which Node.js does not
      // trust by default; the Lambda runtime ships that bundle. RDS Proxy
      // presents a publicly trusted certificate and needs nothing extra.
      ...(profileDatabase.proxy ? {} : { NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem' }),
    };
    const cacheEnv = {
      REDIS_HOST: profileCache.primaryEndpoint,
      REDIS_PORT: String(profileCache.port),
      REDIS_TLS: 'true',
      REDIS_CACHE_ID: profileCache.replicationGroupId,
      REDIS_IAM_USER: profileCache.appUserId,
    };

    this.healthFunction = new AppFunction(this, 'HealthFunction', {
      ...common,
      entry: 'lambda/handlers/health.ts',
      description: 'GET /health',
      serviceName: 'health',
      invocation: { type: 'sync', caller: 'API Gateway' },
      memorySize: 128,
      timeout: Duration.seconds(3),
    });

    this.photosFunction = new AppFunction(this, 'PhotosFunction', {
      ...common,
      entry: 'lambda/handlers/photos-api.ts',
      description: 'Photo routes: create uploads, read, list, feed and delete photo metadata',
      serviceName: 'photos-api',
      invocation: { type: 'sync', caller: 'API Gateway' },
      memorySize: 512,
      timeout: Duration.seconds(10),
      environment: {
        TABLE_NAME: photoTable.table.tableName,
        BUCKET_NAME: photoBucket.bucket.bucketName,
        UPLOAD_URL_EXPIRY_SECONDS: String(config.photos.uploadUrlExpirySeconds),
        DOWNLOAD_URL_EXPIRY_SECONDS: String(config.photos.downloadUrlExpirySeconds),
        PENDING_UPLOAD_TTL_SECONDS: String(config.photos.pendingUploadTtlMinutes * 60),
        MAX_PENDING_UPLOADS_PER_USER: String(config.photos.maxPendingUploadsPerUser),
      },
    });
    photoTable.grantReadWritePhotos(this.photosFunction.role);
    photoBucket.grantPresignUploads(this.photosFunction.role);
    photoBucket.grantReadPhotos(this.photosFunction.role);

    this.profilesFunction = new AppFunction(this, 'ProfilesFunction', {
      ...common,
      entry: 'lambda/handlers/profiles-api.ts',
      description: 'Profile routes: read and update profiles (Aurora through RDS Proxy, Redis cache-aside)',
      serviceName: 'profiles-api',
      invocation: { type: 'sync', caller: 'API Gateway' },
      memorySize: 512,
      timeout: Duration.seconds(10),
      networking: inVpc,
      reservedConcurrentExecutions: config.api.databaseFunctionConcurrency,
      environment: {
        ...databaseEnv,
        ...cacheEnv,
        CACHE_TTL_SECONDS: String(config.cache.profileTtlSeconds),
      },
    });
    profileDatabase.grantConnect(this.profilesFunction.role);
    profileCache.grantConnect(this.profilesFunction.role);

    const uploadFailures = new DeadLetterQueue(this, 'UploadFailures', {
      purpose:
        'object-created events that could not be delivered to or processed by the upload-complete handler',
    });
    this.uploadCompleteFunction = new AppFunction(this, 'UploadCompleteFunction', {
      ...common,
      entry: 'lambda/handlers/upload-complete.ts',
      description: 'Verifies an uploaded object against its pending photo and marks it READY or REJECTED',
      serviceName: 'upload-complete',
      invocation: { type: 'async', deadLetterQueue: uploadFailures.queue },
      memorySize: 256,
      timeout: Duration.seconds(30),
      environment: {
        TABLE_NAME: photoTable.table.tableName,
        BUCKET_NAME: photoBucket.bucket.bucketName,
      },
    });
    photoTable.grantVerifyUploads(this.uploadCompleteFunction.role);
    photoBucket.grantVerifyUploads(this.uploadCompleteFunction.role);
    this.uploadEvents = new UploadEvents(this, 'UploadEvents', {
      bucket: photoBucket.bucket,
      keyPrefix: PhotoBucket.PHOTO_PREFIX,
      handler: this.uploadCompleteFunction,
      deadLetterQueue: uploadFailures.queue,
    });

    this.streamProcessorFunction = new AppFunction(this, 'StreamProcessorFunction', {
      ...common,
      entry: 'lambda/handlers/stream-processor.ts',
      description:
        'Photo table stream: photo counts, cache invalidation, clean-up of deleted and expired uploads',
      serviceName: 'stream-processor',
      invocation: {
        type: 'sync',
        caller: 'the DynamoDB stream event source mapping (its on-failure destination is an SQS queue)',
      },
      memorySize: 512,
      timeout: Duration.seconds(60),
      networking: inVpc,
      environment: {
        ...databaseEnv,
        ...cacheEnv,
        TABLE_NAME: photoTable.table.tableName,
        BUCKET_NAME: photoBucket.bucket.bucketName,
      },
    });
    profileDatabase.grantConnect(this.streamProcessorFunction.role);
    profileCache.grantConnect(this.streamProcessorFunction.role);
    photoBucket.grantDeletePhotos(this.streamProcessorFunction.role);
    photoTable.grantKeepPendingChanges(this.streamProcessorFunction.role);
    this.streamProcessor = new PhotoStreamProcessor(this, 'PhotoStream', {
      processor: this.streamProcessorFunction,
      table: photoTable.table,
    });

    // The stream's failure queue holds only pointers into a stream that forgets after 24 hours, so
    // what an outage stopped is kept whole in the table and finished here on a schedule. A run
    // fails while changes are left; after Lambda's retries its event lands in the failure queue,
    // whose alarm says the dependency is still down.
    const reconcilerFailures = new DeadLetterQueue(this, 'ReconcilerFailures', {
      purpose: 'scheduled reconciler runs that left pending photo changes after their retries',
    });
    this.reconcilerFunction = new AppFunction(this, 'ReconcilerFunction', {
      ...common,
      entry: 'lambda/handlers/reconcile-photo-changes.ts',
      description:
        'Finishes photo changes kept during an outage: ledger, photoCount recomputed, objects deleted',
      serviceName: 'reconcile-photo-changes',
      invocation: { type: 'async', deadLetterQueue: reconcilerFailures.queue },
      memorySize: 512,
      timeout: Duration.minutes(5),
      networking: inVpc,
      environment: {
        ...databaseEnv,
        ...cacheEnv,
        TABLE_NAME: photoTable.table.tableName,
        BUCKET_NAME: photoBucket.bucket.bucketName,
      },
    });
    profileDatabase.grantConnect(this.reconcilerFunction.role);
    profileCache.grantConnect(this.reconcilerFunction.role);
    photoBucket.grantDeletePhotos(this.reconcilerFunction.role);
    photoTable.grantReconcilePendingChanges(this.reconcilerFunction.role);
    new events.Rule(this, 'ReconcilerSchedule', {
      description: 'Runs the reconciler of pending photo changes',
      schedule: events.Schedule.rate(Duration.minutes(15)),
      // Runs EventBridge could not deliver (throttling) land in the same queue as the failed ones.
      targets: [
        new targets.LambdaFunction(this.reconcilerFunction.function, {
          retryAttempts: 2,
          deadLetterQueue: reconcilerFailures.queue,
        }),
      ],
    });

    const { GET, PUT, POST, DELETE } = apigwv2.HttpMethod;
    const photos = this.photosFunction.function;
    const profiles = this.profilesFunction.function;
    this.api = new PhotoApi(this, 'PhotoApi', {
      jwtIssuer: props.users.issuer.valueFor(this),
      userPoolClients: [props.users.appClient],
      allowedOrigins: config.api.allowedOrigins,
      throttleRateLimit: config.api.throttleRateLimit,
      throttleBurstLimit: config.api.throttleBurstLimit,
      logRetentionDays: common.logRetentionDays,
      logRemovalPolicy: common.logRemovalPolicy,
      routes: [
        { method: GET, path: '/health', handler: this.healthFunction.function, public: true },
        { method: GET, path: '/me', handler: profiles },
        { method: PUT, path: '/me', handler: profiles },
        { method: GET, path: '/users/{userId}', handler: profiles },
        { method: POST, path: '/photos', handler: photos },
        { method: GET, path: '/photos/{photoId}', handler: photos },
        { method: DELETE, path: '/photos/{photoId}', handler: photos },
        { method: GET, path: '/users/{userId}/photos', handler: photos },
        { method: GET, path: '/feed', handler: photos },
      ],
    });

    const monitored = (
      name: string,
      fn: AppFunction,
      watch: Pick<MonitoredFunction, 'readsStream' | 'emits'> = {},
    ): MonitoredFunction => ({
      name,
      function: fn.function,
      timeout: fn.timeout,
      serviceName: fn.serviceName,
      ...watch,
    });
    // `emits`: the app metrics (lib/app-metrics.ts) each handler counts, for the dashboard and alarms.
    this.monitoredFunctions = [
      monitored('health', this.healthFunction),
      monitored('photos-api', this.photosFunction),
      monitored('profiles-api', this.profilesFunction, { emits: ['cacheErrors'] }),
      monitored('upload-complete', this.uploadCompleteFunction, { emits: ['rejectedUploads'] }),
      monitored('stream-processor', this.streamProcessorFunction, {
        readsStream: true,
        emits: ['failedStreamRecords', 'cleanedUpUploads', 'cacheErrors'],
      }),
      monitored('reconcile-photo-changes', this.reconcilerFunction),
    ];
    this.deadLetterQueues = [
      { name: 'stream-failures', queue: this.streamProcessor.failureQueue },
      { name: 'upload-failures', queue: uploadFailures.queue },
      { name: 'reconciler-failures', queue: reconcilerFailures.queue },
    ];

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the API' });
  }
}
