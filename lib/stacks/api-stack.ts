import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { FUNCTIONS, type FunctionDeclaration } from '../../contract/functions';
import { ROUTES, ROUTE_KEYS, methodOf, pathOf, type RouteKey } from '../../contract/routes';
import { AppFunction, type AppFunctionProps } from '../constructs/app-function';
import type { DataKeys } from '../constructs/data-keys';
import { DeadLetterQueue } from '../constructs/dead-letter-queue';
import { ImageLibraryLayer } from '../constructs/image-library-layer';
import type { MonitoredFunction, MonitoredQueue } from '../constructs/operations-monitoring';
import type { AppNetwork } from '../constructs/app-network';
import { PhotoApi } from '../constructs/photo-api';
import { PhotoBucket } from '../constructs/photo-bucket';
import type { PhotoTableBinding } from '../constructs/photo-table';
import { PhotoStreamProcessor } from '../constructs/photo-stream-processor';
import type { ProfileCache } from '../constructs/profile-cache';
import type { EnvironmentBinding } from '../constructs/app-function';
import { UploadEvents } from '../constructs/upload-events';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import type { IConstruct } from 'constructs';
import { dataRemovalPolicy, logRetention, type StageStackProps } from './stage-props';

/** The users the API trusts: whose tokens its JWT authorizer accepts (UserDirectory in the primary Region). */
export interface ApiUsers {
  /** The tokens' issuer URL, as `consumer`'s stack reads it. */
  readonly issuer: { valueFor(consumer: IConstruct): string };
  /** The app client the tokens are issued for (their audience). */
  readonly appClient: cognito.IUserPoolClient;
}

/** A database the functions connect to (ProfileDatabase, or SecondaryProfileDatabase in the second Region). */
export interface ProfileDatabaseBinding {
  /** The variables and grant for a function of `consumer`'s stack. */
  bind(consumer: IConstruct): EnvironmentBinding<'database'>;
}

export interface ApiStackProps extends StageStackProps {
  readonly network: AppNetwork;
  readonly users: ApiUsers;
  readonly photoBucket: PhotoBucket;
  readonly photoTable: PhotoTableBinding;
  readonly profileDatabase: ProfileDatabaseBinding;
  readonly profileCache: ProfileCache;
  /** The stage's customer-managed keys (the log groups use the logs key). @default - AWS-managed keys */
  readonly dataKeys?: DataKeys;
  /**
   * Whether this Region serves writes (config disasterRecovery.activeRegion). A standby's API
   * answers writes with 503 (READ_ONLY) and sends reads to the readers, and its stream processor,
   * photo processor, upload verifier and reconciler stay off: the active Region does that work for both, and the
   * replicas bring its results here. @default true
   */
  readonly servesWrites?: boolean;
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
  /** Makes the renditions of verified photos. */
  public readonly photoProcessorFunction: AppFunction;
  /** Its trigger: the photo table's stream, filtered to photos that became PROCESSING. */
  public readonly photoProcessing: PhotoStreamProcessor;
  /** sharp for linux-arm64, for the processing function. */
  public readonly imageLibrary: ImageLibraryLayer;
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
    const standby = props.servesWrites === false;
    // Absent where the Region serves writes, so such a stage's functions are as they always were.
    const serving = { environment: standby ? { READ_ONLY: 'true' } : {} };
    const common = {
      logRetentionDays: logRetention(config),
      // Log groups of stateless functions follow the data policy too: prod keeps its evidence.
      logRemovalPolicy: dataRemovalPolicy(config),
      logEncryptionKey: props.dataKeys?.referencedFrom(this).logs,
    } satisfies Partial<AppFunctionProps<FunctionDeclaration>>;
    const inVpc: AppFunctionProps<FunctionDeclaration>['networking'] = {
      vpc: network.vpc,
      subnets: network.applicationSubnets,
      securityGroups: [network.functionSecurityGroup],
    };
    this.healthFunction = new AppFunction(this, 'HealthFunction', {
      ...common,
      function: FUNCTIONS.health,
      bindings: {},
      invocation: { type: 'sync', caller: 'API Gateway' },
      memorySize: 128,
    });

    this.photosFunction = new AppFunction(this, 'PhotosFunction', {
      ...common,
      function: FUNCTIONS.photosApi,
      bindings: {
        photoTable: photoTable.bind('photos'),
        photoBucket: photoBucket.bind('presign-uploads', 'read-photos'),
        uploads: {
          environment: {
            UPLOAD_URL_EXPIRY_SECONDS: String(config.photos.uploadUrlExpirySeconds),
            DOWNLOAD_URL_EXPIRY_SECONDS: String(config.photos.downloadUrlExpirySeconds),
            PENDING_UPLOAD_TTL_SECONDS: String(config.photos.pendingUploadTtlMinutes * 60),
            MAX_PENDING_UPLOADS_PER_USER: String(config.photos.maxPendingUploadsPerUser),
          },
        },
        serving,
      },
      invocation: { type: 'sync', caller: 'API Gateway' },
      memorySize: 512,
    });

    this.profilesFunction = new AppFunction(this, 'ProfilesFunction', {
      ...common,
      function: FUNCTIONS.profilesApi,
      bindings: {
        database: profileDatabase.bind(this),
        cache: profileCache.bind(),
        profileCaching: { environment: { CACHE_TTL_SECONDS: String(config.cache.profileTtlSeconds) } },
        serving,
      },
      invocation: { type: 'sync', caller: 'API Gateway' },
      memorySize: 512,
      networking: inVpc,
      reservedConcurrentExecutions: config.api.databaseFunctionConcurrency,
    });

    const uploadFailures = new DeadLetterQueue(this, 'UploadFailures', {
      purpose:
        'object-created events that could not be delivered to or processed by the upload-complete handler',
    });
    this.uploadCompleteFunction = new AppFunction(this, 'UploadCompleteFunction', {
      ...common,
      function: FUNCTIONS.uploadComplete,
      bindings: {
        photoTable: photoTable.bind('verify-uploads'),
        photoBucket: photoBucket.bind('verify-uploads'),
      },
      invocation: { type: 'async', deadLetterQueue: uploadFailures.queue },
      memorySize: 256,
    });
    this.uploadEvents = new UploadEvents(this, 'UploadEvents', {
      bucket: photoBucket.bucket,
      keyPrefix: PhotoBucket.PHOTO_PREFIX,
      handler: this.uploadCompleteFunction,
      deadLetterQueue: uploadFailures.queue,
      enabled: !standby,
    });

    // Verified photos (PROCESSING) reach the processing function through the table's stream, the
    // same write that marks them: no message to lose between the two functions. The filter keeps
    // every other record away, so the function is invoked only with work.
    this.imageLibrary = new ImageLibraryLayer(this, 'ImageLibrary');
    this.photoProcessorFunction = new AppFunction(this, 'PhotoProcessorFunction', {
      ...common,
      function: FUNCTIONS.photoProcessor,
      bindings: {
        photoTable: photoTable.bind('process-photos'),
        photoBucket: photoBucket.bind('process-photos'),
      },
      invocation: {
        type: 'sync',
        caller: 'the DynamoDB stream event source mapping (its on-failure destination is an SQS queue)',
      },
      // Measured (npm run processing-figures, README "Photo processing"): rendering a 12 MP JPEG
      // peaks at about 150 MB resident and a 64 MP PNG (the pixel limit; PNG has no shrink-on-load)
      // at about 300 MB. The memory setting buys CPU too: 1,769 MB is one full vCPU. Below it the
      // same work takes proportionally longer for the same GB-seconds, so less memory would save
      // nothing but time; above it, a second vCPU helps libvips little for one photo.
      memorySize: 1769,
      layers: [this.imageLibrary.layer],
    });
    this.photoProcessing = new PhotoStreamProcessor(this, 'PhotoProcessing', {
      processor: this.photoProcessorFunction,
      table: photoTable.table,
      // One photo per invocation: memory is sized for one decoded image. Up to 5 photos of a shard
      // at once (each photo's own records stay in order).
      batchSize: 1,
      parallelizationFactor: 5,
      // Bad input is never an error; a failure is a dependency that stays down.
      retryAttempts: 3,
      maxRecordAge: Duration.hours(1),
      filters: [
        // upload-complete's PENDING -> PROCESSING write (the values are FilterRule.isEqual's).
        lambda.FilterCriteria.filter({
          eventName: ['MODIFY'],
          dynamodb: { NewImage: { status: { S: ['PROCESSING'] } } },
        }),
      ],
      failurePurpose:
        'metadata of verified photos whose processing failed all its retries (they stay PROCESSING until their TTL)',
      // The active Region renders every photo; its renditions reach the standby through the photo
      // bucket's replication, and its READY writes through the table's.
      enabled: !standby,
    });

    this.streamProcessorFunction = new AppFunction(this, 'StreamProcessorFunction', {
      ...common,
      function: FUNCTIONS.streamProcessor,
      bindings: {
        database: profileDatabase.bind(this),
        cache: profileCache.bind(),
        photoTable: photoTable.bind('keep-pending-changes'),
        photoBucket: photoBucket.bind('delete-photos'),
      },
      invocation: {
        type: 'sync',
        caller: 'the DynamoDB stream event source mapping (its on-failure destination is an SQS queue)',
      },
      memorySize: 512,
      networking: inVpc,
    });
    this.streamProcessor = new PhotoStreamProcessor(this, 'PhotoStream', {
      processor: this.streamProcessorFunction,
      table: photoTable.table,
      enabled: !standby,
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
      function: FUNCTIONS.reconciler,
      bindings: {
        database: profileDatabase.bind(this),
        cache: profileCache.bind(),
        photoTable: photoTable.bind('reconcile-pending-changes'),
        photoBucket: photoBucket.bind('delete-photos'),
      },
      invocation: { type: 'async', deadLetterQueue: reconcilerFailures.queue },
      memorySize: 512,
      networking: inVpc,
    });
    new events.Rule(this, 'ReconcilerSchedule', {
      description: 'Runs the reconciler of pending photo changes',
      schedule: events.Schedule.rate(Duration.minutes(15)),
      ...(standby ? { enabled: false } : {}),
      // Runs EventBridge could not deliver (throttling) land in the same queue as the failed ones.
      targets: [
        new targets.LambdaFunction(this.reconcilerFunction.function, {
          retryAttempts: 2,
          deadLetterQueue: reconcilerFailures.queue,
        }),
      ],
    });

    // The route table (contract/routes.ts) names the function of each route.
    const routeFunctions: Record<(typeof ROUTES)[RouteKey]['function'], AppFunction> = {
      health: this.healthFunction,
      photosApi: this.photosFunction,
      profilesApi: this.profilesFunction,
    };
    this.api = new PhotoApi(this, 'PhotoApi', {
      jwtIssuer: props.users.issuer.valueFor(this),
      userPoolClients: [props.users.appClient],
      allowedOrigins: config.api.allowedOrigins,
      throttleRateLimit: config.api.throttleRateLimit,
      throttleBurstLimit: config.api.throttleBurstLimit,
      logRetentionDays: common.logRetentionDays,
      logRemovalPolicy: common.logRemovalPolicy,
      logEncryptionKey: common.logEncryptionKey,
      routes: ROUTE_KEYS.map((key) => ({
        method: methodOf(key),
        path: pathOf(key),
        handler: routeFunctions[ROUTES[key].function].function,
        public: ROUTES[key].auth === 'none',
      })),
    });

    const monitored = (
      fn: AppFunction,
      watch: Pick<MonitoredFunction, 'readsStream' | 'emits'> = {},
    ): MonitoredFunction => ({
      ...watch,
      name: fn.serviceName,
      // A function given the cache counts its failed cache commands (the cache adapter does).
      emits: [
        ...(watch.emits ?? []),
        ...(fn.declaration.environment.some((group) => group === 'cache') ? (['cacheErrors'] as const) : []),
      ],
      function: fn.function,
      timeout: fn.timeout,
      serviceName: fn.serviceName,
    });
    // `emits`: the app metrics (lib/app-metrics.ts) each handler counts, for the dashboard and alarms.
    this.monitoredFunctions = [
      monitored(this.healthFunction),
      monitored(this.photosFunction),
      monitored(this.profilesFunction),
      monitored(this.uploadCompleteFunction, { emits: ['rejectedUploads'] }),
      monitored(this.photoProcessorFunction, {
        readsStream: true,
        emits: ['failedStreamRecords', 'processedPhotos', 'rejectedPhotos'],
      }),
      monitored(this.streamProcessorFunction, {
        readsStream: true,
        emits: ['failedStreamRecords', 'cleanedUpUploads'],
      }),
      monitored(this.reconcilerFunction),
    ];
    this.deadLetterQueues = [
      { name: 'stream-failures', queue: this.streamProcessor.failureQueue },
      { name: 'upload-failures', queue: uploadFailures.queue },
      { name: 'processing-failures', queue: this.photoProcessing.failureQueue },
      { name: 'reconciler-failures', queue: reconcilerFailures.queue },
    ];

    new CfnOutput(this, 'ApiUrl', { value: this.api.url, description: 'Base URL of the API' });
  }
}
