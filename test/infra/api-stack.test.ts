import { FUNCTIONS } from '../../contract/functions';
import { PENDING_CHANGES_PK } from '../../lambda/adapters/pending-change-table';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { ENVIRONMENT_GROUPS, type VariableDeclaration } from '../../contract/environment';
import { ROUTES, ROUTE_KEYS, methodsInUse } from '../../contract/routes';
import { STAGE_CONFIGS, STAGE_NAMES, type StageConfig, type StageName } from '../../lib/config';
import { deletionPolicyOf, synthStage, type SynthesizedApp } from './helpers/app';

/** What AppFunction sets on every function, beside the contract's variables. */
const RUNTIME_VARIABLES = ['NODE_OPTIONS', 'POWERTOOLS_SERVICE_NAME', 'POWERTOOLS_METRICS_NAMESPACE'];
import { joined, partitionOf, regionOf } from './helpers/region';
import { statementsForFunction, type AppliedStatement } from './helpers/role-statements';
import { followStackOutput, templatesByStackName, type StackTemplates } from './helpers/stack-outputs';

type Stage = StageName;
const synthesized: Partial<Record<Stage, SynthesizedApp & { byName: StackTemplates }>> = {};
beforeAll(() => {
  for (const stage of STAGE_NAMES) {
    const app = synthStage(stage);
    synthesized[stage] = { ...app, byName: templatesByStackName(app) };
  }
});
const api = (stage: Stage): Template => synthesized[stage]!.templates.api;
const data = (stage: Stage): Template => synthesized[stage]!.templates.data;
const stackName = (stage: Stage, part: 'data' | 'api'): string => synthesized[stage]!.stacks[part].stackName;

type Resource = { Properties: Record<string, any>; [key: string]: unknown };

/** Application functions (the ones with a Powertools service name), by service, with their logical ids. */
function functionEntries(template: Template): Record<string, { id: string; fn: Resource }> {
  const result: Record<string, { id: string; fn: Resource }> = {};
  for (const [id, fn] of Object.entries(template.findResources('AWS::Lambda::Function')) as [
    string,
    Resource,
  ][]) {
    const service = fn.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME as string | undefined;
    if (service) {
      result[service] = { id, fn };
    }
  }
  return result;
}

/** Application functions by service. */
function functionsByService(template: Template): Record<string, Resource> {
  return Object.fromEntries(
    Object.entries(functionEntries(template)).map(([service, { fn }]) => [service, fn]),
  );
}

/** A statement as the tests compare it: where it lives, actions sorted, resources as a list. */
interface Grant {
  readonly stackName: string;
  /** Policy logical id without its hash. */
  readonly policy: string;
  readonly kind: AppliedStatement['kind'];
  readonly [key: string]: unknown;
}

const placeOf = (g: Grant) => `${g.stackName}/${g.policy}/${(g.Action as string[]).join()}`;
const byPlace = (a: Grant, b: Grant) => placeOf(a).localeCompare(placeOf(b));

/**
 * Every statement that applies to the function's role, inline and managed,
 * in every stack; a resource read from another stack is shown as
 * `{ readFrom, value }` in the producer's logical ids.
 */
function grantsOf(stage: Stage, service: string): Grant[] {
  const { byName } = synthesized[stage]!;
  const { id } = functionEntries(api(stage))[service];
  return statementsForFunction(byName, stackName(stage, 'api'), id)
    .map(({ stackName: where, policyId, kind, statement }): Grant => {
      const { Action, Resource, ...rest } = statement;
      return {
        stackName: where,
        policy: policyId.replace(/[0-9A-F]{8}$/, ''),
        kind,
        ...rest,
        Action: [Action].flat().sort(),
        Resource: [Resource].flat().map((r: unknown) => {
          const followed = followStackOutput(byName, r);
          return followed ? { readFrom: followed.stackName, value: followed.value } : r;
        }),
      };
    })
    .sort(byPlace);
}

const X_RAY_ACTIONS = ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'];
const NETWORK_INTERFACE_ACTIONS = [
  'ec2:AssignPrivateIpAddresses',
  'ec2:CreateNetworkInterface',
  'ec2:DeleteNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:UnassignPrivateIpAddresses',
];

/**
 * The statements AppFunction gives every function, exactly: logs to its own
 * log group, the two X-Ray actions, and in the VPC the network-interface
 * actions. Compared whole, statement by statement, not by action family.
 */
function baselineOf(stage: Stage, service: string): Grant[] {
  const fn = functionsByService(api(stage))[service];
  const where = stackName(stage, 'api');
  // CDK's default policy of the role: `<role id without hash>DefaultPolicy<hash>`.
  const roleId = fn.Properties.Role['Fn::GetAtt'][0] as string;
  const policy = `${roleId.replace(/[0-9A-F]{8}$/, '')}DefaultPolicy`;
  const baseline = [
    allow(
      where,
      policy,
      'inline',
      ['logs:CreateLogStream', 'logs:PutLogEvents'],
      [{ 'Fn::GetAtt': [fn.Properties.LoggingConfig.LogGroup.Ref, 'Arn'] }],
    ),
    allow(where, policy, 'inline', X_RAY_ACTIONS, ['*']),
  ];
  if (fn.Properties.VpcConfig) {
    baseline.push({
      ...allow(where, policy, 'inline', NETWORK_INTERFACE_ACTIONS, ['*']),
      Sid: 'ManageVpcNetworkInterfaces',
    });
  }
  return sortGrants(baseline);
}

/** Equal statements, whatever the order of their keys. */
const sameGrant = (a: Grant, b: Grant) => {
  const canonical = (g: Grant) => JSON.stringify(Object.entries(g).sort(([x], [y]) => x.localeCompare(y)));
  return canonical(a) === canonical(b);
};

/**
 * The statements that give a function access to data: everything but the exact baseline statements,
 * and but the customer-managed key actions that go with a photo intent where the stage has its own
 * keys (pinned per intent in test/infra/data-stack.test.ts, 'offers one managed policy per intent').
 */
const dataGrantsOf = (stage: Stage, service: string) => {
  const baseline = baselineOf(stage, service);
  return grantsOf(stage, service).filter(
    (g) =>
      !baseline.some((b) => sameGrant(b, g)) && ![g.Action].flat().every((a) => String(a).startsWith('kms:')),
  );
};

const allow = (
  stack: string,
  policy: string,
  kind: AppliedStatement['kind'],
  actions: string[],
  resources: unknown[],
): Grant => ({
  stackName: stack,
  policy,
  kind,
  Effect: 'Allow',
  Action: [...actions].sort(),
  Resource: resources,
});

/** A grant on the pending photo changes only: the table, within their one partition key. */
const onPendingChanges = (stack: string, policy: string, actions: string[]): Grant => ({
  ...allow(stack, policy, 'managed', actions, [TABLE_ARN]),
  Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [PENDING_CHANGES_PK] } },
});

/** Grants in a stable order: stack, policy, actions. */
const sortGrants = (grants: Grant[]) => [...grants].sort(byPlace);

// Resources in the data stack's own terms (logical ids pinned in data-stack.test.ts).
const TABLE_ARN = { 'Fn::GetAtt': ['PhotoTable9F014336', 'Arn'] };
const indexArn = (name: string) => ({ 'Fn::Join': ['', [TABLE_ARN, `/index/${name}`]] });
const TABLE_AND_INDEXES = [TABLE_ARN, indexArn('byOwner'), indexArn('feed')];
const PHOTO_KEYS = { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['PhotoBucketBCCC5A2D', 'Arn'] }, '/photos/*']] };
const RENDITION_KEYS = {
  'Fn::Join': ['', [{ 'Fn::GetAtt': ['PhotoBucketBCCC5A2D', 'Arn'] }, '/renditions/*']],
};
/** The ARN prefix of `service` in the stage's own Region. */
const arnPrefix = (config: StageConfig, service: string) => [
  'arn:',
  partitionOf(config),
  `:${service}:`,
  regionOf(config),
  ':',
  { Ref: 'AWS::AccountId' },
];
/** `rds-db:connect` names the proxy's resource id, the last field of its ARN, read inside the data stack. */
const appUserThroughProxy = (config: StageConfig) =>
  joined([
    ...arnPrefix(config, 'rds-db'),
    ':dbuser:',
    {
      'Fn::Select': [
        6,
        { 'Fn::Split': [':', { 'Fn::GetAtt': ['ProfileDatabaseProxy2500DDE4', 'DBProxyArn'] }] },
      ],
    },
    '/app_user',
  ]);
const cacheAppUser = (config: StageConfig) => [
  { 'Fn::GetAtt': ['ProfileCacheAppUserE508AB94', 'Arn'] },
  joined([
    ...arnPrefix(config, 'elasticache'),
    ':replicationgroup:',
    { Ref: 'ProfileCacheReplicationGroupD383C59A' },
  ]),
];

/** The functions of this stack: all but the migrations runner, which lives beside its database. */
const API_FUNCTIONS = Object.values(FUNCTIONS).filter((fn) => fn !== FUNCTIONS.schemaMigrations);
const SERVICES = API_FUNCTIONS.map((fn) => fn.name);

describe.each(STAGE_NAMES)('api stack (%s)', (stage) => {
  const config = STAGE_CONFIGS[stage];
  describe('functions', () => {
    it('has exactly the application functions', () => {
      expect(Object.keys(functionsByService(api(stage))).sort()).toEqual([...SERVICES].sort());
    });

    it.each(API_FUNCTIONS.map((fn) => [fn.name, fn] as const))(
      '%s: sets exactly the variables of its contract groups, and the runtime ones',
      (service, declaration) => {
        const variables = functionsByService(api(stage))[service].Properties.Environment.Variables as Record<
          string,
          unknown
        >;
        const declared = declaration.environment.flatMap((group) =>
          Object.entries(ENVIRONMENT_GROUPS[group] as Record<string, VariableDeclaration>),
        );
        const required = declared.filter(([, d]) => !d.optional).map(([name]) => name);
        const allowed = new Set([...declared.map(([name]) => name), ...RUNTIME_VARIABLES]);
        expect(Object.keys(variables).filter((name) => !allowed.has(name))).toEqual([]);
        expect(required.filter((name) => !(name in variables))).toEqual([]);
        expect(variables.POWERTOOLS_SERVICE_NAME).toBe(declaration.name);
        // The emulator switch is never deployed.
        expect(variables).not.toHaveProperty('S3_FORCE_PATH_STYLE');
      },
    );

    it.each(
      [FUNCTIONS.photosApi, FUNCTIONS.uploadComplete, FUNCTIONS.photoProcessor].map(
        (fn) => [fn.name] as const,
      ),
    )("%s: reads and writes the feed over the stage's shards", (service) => {
      const variables = functionsByService(api(stage))[service].Properties.Environment.Variables;
      expect(variables).toMatchObject({
        FEED_SHARDS: String(config.photos.feedShards),
        FEED_READ_LEGACY_PARTITION: String(config.photos.readLegacyFeedPartition),
      });
    });

    it.each(SERVICES)(
      '%s: arm64, newest Node runtime, tracing, JSON logs into its own log group',
      (service) => {
        const fn = functionsByService(api(stage))[service];
        expect(fn.Properties).toMatchObject({
          Architectures: ['arm64'],
          Runtime: 'nodejs24.x',
          TracingConfig: { Mode: 'Active' },
          LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'INFO' },
        });
        const logGroupId = fn.Properties.LoggingConfig.LogGroup.Ref as string;
        const logGroup = api(stage).findResources('AWS::Logs::LogGroup')[logGroupId];
        expect(logGroup.Properties.RetentionInDays).toBe(config.logRetentionDays);
        expect(logGroup.DeletionPolicy).toBe(deletionPolicyOf(config));
      },
    );

    it.each([
      [FUNCTIONS.health.name, 128, 3],
      [FUNCTIONS.photosApi.name, 512, 10],
      [FUNCTIONS.profilesApi.name, 512, 10],
      [FUNCTIONS.uploadComplete.name, 256, 30],
      [FUNCTIONS.photoProcessor.name, 1769, 60],
      [FUNCTIONS.streamProcessor.name, 512, 60],
      [FUNCTIONS.reconciler.name, 512, 300],
    ])('%s: explicit memory %i MB and timeout %i s', (service, memory, timeout) => {
      expect(functionsByService(api(stage))[service].Properties).toMatchObject({
        MemorySize: memory,
        Timeout: timeout,
      });
    });

    it('gives the image library layer to process-photo, and to no other function', () => {
      const layers = api(stage).findResources('AWS::Lambda::LayerVersion');
      expect(Object.keys(layers)).toEqual([expect.stringMatching(/^ImageLibraryLayer/)]);
      const [layerId] = Object.keys(layers);
      const withLayers = Object.entries(functionsByService(api(stage)))
        .filter(([, fn]) => fn.Properties.Layers !== undefined)
        .map(([name, fn]) => [name, fn.Properties.Layers]);
      expect(withLayers).toEqual([[FUNCTIONS.photoProcessor.name, [{ Ref: layerId }]]]);
      expect(layers[layerId].Properties).toMatchObject({
        CompatibleArchitectures: ['arm64'],
        CompatibleRuntimes: ['nodejs24.x'],
      });
    });

    it('puts only the functions that talk to Aurora or Redis in the VPC', () => {
      const fns = functionsByService(api(stage));
      const inVpc = Object.entries(fns)
        .filter(([, fn]) => fn.Properties.VpcConfig)
        .map(([name]) => name)
        .sort();
      expect(inVpc).toEqual([
        FUNCTIONS.profilesApi.name,
        FUNCTIONS.reconciler.name,
        FUNCTIONS.streamProcessor.name,
      ]);
      for (const name of inVpc) {
        expect(JSON.stringify(fns[name].Properties.VpcConfig)).toContain('NetworkVpcApplicationSubnet');
        expect(JSON.stringify(fns[name].Properties.VpcConfig.SecurityGroupIds)).toContain(
          'NetworkFunctionSecurityGroup',
        );
      }
    });

    it('attaches no policy from outside the app: each managed policy is a whole output of the data stack', () => {
      const { byName } = synthesized[stage]!;
      for (const { fn } of Object.values(functionEntries(api(stage)))) {
        const roleId = fn.Properties.Role['Fn::GetAtt'][0] as string;
        const arns = (api(stage).findResources('AWS::IAM::Role')[roleId].Properties.ManagedPolicyArns ??
          []) as unknown[];
        for (const arn of arns) {
          const followed = followStackOutput(byName, arn);
          expect(followed).toMatchObject({
            stackName: stackName(stage, 'data'),
            value: { Ref: expect.any(String) },
          });
          const policyId = (followed!.value as { Ref: string }).Ref;
          expect(data(stage).findResources('AWS::IAM::ManagedPolicy')).toHaveProperty([policyId]);
        }
      }
    });

    it.each(SERVICES)(
      '%s writes logs to its own log group only, traces to X-Ray, and manages network interfaces only in the VPC',
      (service) => {
        const grants = grantsOf(stage, service);
        for (const statement of baselineOf(stage, service)) {
          expect(grants.filter((g) => sameGrant(g, statement))).toHaveLength(1);
        }
      },
    );

    it.each(SERVICES)(
      '%s may use "*" only for the X-Ray actions, and in the VPC the network-interface actions',
      (service) => {
        const grants = grantsOf(stage, service);
        const onAnyResource = grants
          .filter((g) => (g.Resource as unknown[]).includes('*'))
          .flatMap((g) => g.Action as string[])
          .sort();
        const inVpc = functionsByService(api(stage))[service].Properties.VpcConfig !== undefined;
        expect(onAnyResource).toEqual([...(inVpc ? NETWORK_INTERFACE_ACTIONS : []), ...X_RAY_ACTIONS].sort());
        // Nothing that widens a statement past its listed actions and resources.
        for (const grant of grants) {
          expect(grant).not.toHaveProperty('NotAction');
          expect(grant).not.toHaveProperty('NotResource');
          expect((grant.Action as string[]).filter((a) => a.includes('*'))).toEqual([]);
        }
      },
    );

    it('reserves concurrency for the database-facing API in prod only', () => {
      const profiles = functionsByService(api(stage))[FUNCTIONS.profilesApi.name];
      if (config.api.databaseFunctionConcurrency !== undefined) {
        expect(profiles.Properties.ReservedConcurrentExecutions).toBe(config.api.databaseFunctionConcurrency);
      } else {
        expect(profiles.Properties).not.toHaveProperty('ReservedConcurrentExecutions');
      }
    });
  });

  describe('least-privilege grants', () => {
    // Every statement on the function's role, inline (Api stack) and managed
    // (Data stack, followed through ManagedPolicyArns); the baseline above aside.
    const D = () => stackName(stage, 'data');
    const A = () => stackName(stage, 'api');

    it('health has no data access', () => {
      expect(dataGrantsOf(stage, FUNCTIONS.health.name)).toEqual([]);
      const roleId = functionsByService(api(stage)).health.Properties.Role['Fn::GetAtt'][0] as string;
      expect(api(stage).findResources('AWS::IAM::Role')[roleId].Properties).not.toHaveProperty(
        'ManagedPolicyArns',
      );
    });

    it('photos-api reads and writes photo items and may sign PUT and GET for photo keys', () => {
      expect(dataGrantsOf(stage, FUNCTIONS.photosApi.name)).toEqual(
        sortGrants([
          allow(
            D(),
            'PhotoTableReadWritePhotos',
            'managed',
            [
              'dynamodb:ConditionCheckItem',
              'dynamodb:DeleteItem',
              'dynamodb:GetItem',
              'dynamodb:PutItem',
              'dynamodb:Query',
              'dynamodb:UpdateItem',
            ],
            TABLE_AND_INDEXES,
          ),
          allow(D(), 'PhotoBucketPutPhotos', 'managed', ['s3:PutObject'], [PHOTO_KEYS]),
          // Originals for their owner, renditions for anyone: both signed by this role.
          allow(D(), 'PhotoBucketGetPhotos', 'managed', ['s3:GetObject'], [PHOTO_KEYS, RENDITION_KEYS]),
        ]),
      );
    });

    it('photos-api names the two indexes, not a wildcard', () => {
      const dynamo = dataGrantsOf(stage, FUNCTIONS.photosApi.name).filter((g) =>
        (g.Action as string[]).includes('dynamodb:Query'),
      );
      expect(dynamo).toHaveLength(1);
      expect(dynamo[0].Resource).toEqual(TABLE_AND_INDEXES);
      expect(JSON.stringify(dynamo[0].Resource)).not.toContain('*');
    });

    it('profiles-api connects to the proxy as app_user and to the cache as its IAM user', () => {
      expect(dataGrantsOf(stage, FUNCTIONS.profilesApi.name)).toEqual(
        sortGrants([
          allow(
            D(),
            'ProfileDatabaseConnectAsAppUser',
            'managed',
            ['rds-db:connect'],
            [appUserThroughProxy(config)],
          ),
          allow(
            D(),
            'ProfileCacheConnectAsAppUser',
            'managed',
            ['elasticache:Connect'],
            cacheAppUser(config),
          ),
        ]),
      );
    });

    it.each([FUNCTIONS.profilesApi.name, FUNCTIONS.streamProcessor.name])(
      '%s may connect to this replication group as the app user only',
      (service) => {
        const connect = dataGrantsOf(stage, service).filter((g) =>
          (g.Action as string[]).includes('elasticache:Connect'),
        );
        expect(connect).toEqual([
          allow(
            D(),
            'ProfileCacheConnectAsAppUser',
            'managed',
            ['elasticache:Connect'],
            cacheAppUser(config),
          ),
        ]);
        expect(JSON.stringify(connect[0].Resource)).not.toContain('*');
        const fn = functionsByService(api(stage))[service];
        const env = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
        expect(env.CACHE_IAM_USER).toBe(`photoapp-${stage}-app`);
        expect(JSON.stringify(env.CACHE_ID)).toContain('ProfileCacheReplicationGroup');
        expect(env.CACHE_TLS).toBe('true');
      },
    );

    it('upload-complete reads and updates items, inspects uploads and deletes rejected versions', () => {
      expect(dataGrantsOf(stage, FUNCTIONS.uploadComplete.name)).toEqual(
        sortGrants([
          allow(
            A(),
            'UploadCompleteFunctionRoleDefaultPolicy',
            'inline',
            ['sqs:SendMessage'],
            [{ 'Fn::GetAtt': ['UploadFailuresQueue8C020955', 'Arn'] }],
          ),
          allow(
            D(),
            'PhotoTableVerifyUploads',
            'managed',
            ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
            TABLE_AND_INDEXES,
          ),
          allow(
            D(),
            'PhotoBucketVerifyUploads',
            'managed',
            ['s3:DeleteObject', 's3:DeleteObjectVersion', 's3:GetObject', 's3:GetObjectVersion'],
            [PHOTO_KEYS],
          ),
        ]),
      );
    });

    it('process-photo reads the stream, reads and updates photo items, reads and deletes originals, writes renditions only', () => {
      expect(dataGrantsOf(stage, FUNCTIONS.photoProcessor.name)).toEqual(
        sortGrants([
          allow(
            A(),
            'PhotoProcessorFunctionRoleDefaultPolicy',
            'inline',
            ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
            [{ 'Fn::GetAtt': [expect.stringMatching(/^PhotoProcessingFailureQueue/), 'Arn'] }],
          ),
          allow(
            A(),
            'PhotoProcessorFunctionRoleDefaultPolicy',
            'inline',
            [
              'dynamodb:DescribeStream',
              'dynamodb:GetRecords',
              'dynamodb:GetShardIterator',
              'dynamodb:ListStreams',
            ],
            [{ readFrom: D(), value: { 'Fn::GetAtt': ['PhotoTable9F014336', 'StreamArn'] } }],
          ),
          allow(
            D(),
            'PhotoTableVerifyUploads',
            'managed',
            ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
            TABLE_AND_INDEXES,
          ),
          allow(
            D(),
            'PhotoBucketProcessPhotos',
            'managed',
            ['s3:DeleteObject', 's3:GetObject'],
            [PHOTO_KEYS],
          ),
          allow(D(), 'PhotoBucketProcessPhotos', 'managed', ['s3:PutObject'], [RENDITION_KEYS]),
        ]),
      );
    });

    it('stream-processor reads the stream, updates counts, invalidates the cache and deletes objects', () => {
      expect(dataGrantsOf(stage, FUNCTIONS.streamProcessor.name)).toEqual(
        sortGrants([
          allow(
            A(),
            'StreamProcessorFunctionRoleDefaultPolicy',
            'inline',
            ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
            [{ 'Fn::GetAtt': ['PhotoStreamFailureQueue0DE3BA39', 'Arn'] }],
          ),
          allow(
            A(),
            'StreamProcessorFunctionRoleDefaultPolicy',
            'inline',
            [
              'dynamodb:DescribeStream',
              'dynamodb:GetRecords',
              'dynamodb:GetShardIterator',
              'dynamodb:ListStreams',
            ],
            [{ readFrom: D(), value: { 'Fn::GetAtt': ['PhotoTable9F014336', 'StreamArn'] } }],
          ),
          allow(
            D(),
            'ProfileDatabaseConnectAsAppUser',
            'managed',
            ['rds-db:connect'],
            [appUserThroughProxy(config)],
          ),
          allow(
            D(),
            'ProfileCacheConnectAsAppUser',
            'managed',
            ['elasticache:Connect'],
            cacheAppUser(config),
          ),
          allow(D(), 'PhotoBucketDeletePhotos', 'managed', ['s3:DeleteObject'], [PHOTO_KEYS, RENDITION_KEYS]),
          onPendingChanges(D(), 'PhotoTableKeepPendingChanges', ['dynamodb:PutItem']),
        ]),
      );
    });

    it('reconcile-photo-changes lists and removes pending changes, updates counts and deletes objects', () => {
      expect(dataGrantsOf(stage, FUNCTIONS.reconciler.name)).toEqual(
        sortGrants([
          allow(
            A(),
            'ReconcilerFunctionRoleDefaultPolicy',
            'inline',
            ['sqs:SendMessage'],
            [{ 'Fn::GetAtt': ['ReconcilerFailuresQueue35F5DC93', 'Arn'] }],
          ),
          allow(
            D(),
            'ProfileDatabaseConnectAsAppUser',
            'managed',
            ['rds-db:connect'],
            [appUserThroughProxy(config)],
          ),
          allow(
            D(),
            'ProfileCacheConnectAsAppUser',
            'managed',
            ['elasticache:Connect'],
            cacheAppUser(config),
          ),
          allow(D(), 'PhotoBucketDeletePhotos', 'managed', ['s3:DeleteObject'], [PHOTO_KEYS, RENDITION_KEYS]),
          onPendingChanges(D(), 'PhotoTableReconcilePendingChanges', [
            'dynamodb:DeleteItem',
            'dynamodb:Query',
          ]),
        ]),
      );
    });
  });

  describe('stream processing', () => {
    it('reads the table stream with bounded retries, bisect, record age, partial batch responses and a failure queue', () => {
      api(stage).hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: Match.stringLikeRegexp('^StreamProcessorFunction') },
        EventSourceArn: Match.objectLike({
          'Fn::GetStackOutput': Match.objectLike({ StackName: Match.stringLikeRegexp('-Data$') }),
        }),
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 100,
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: 5,
        MaximumRecordAgeInSeconds: 21600,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        DestinationConfig: {
          OnFailure: {
            Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^PhotoStreamFailureQueue'), 'Arn'] },
          },
        },
      });
    });

    it('sends verified photos, and nothing else, to process-photo: one at a time, bounded retries and age, a failure queue', () => {
      const mappings = Object.values(api(stage).findResources('AWS::Lambda::EventSourceMapping')).filter(
        (mapping) => JSON.stringify(mapping.Properties.FunctionName).includes('PhotoProcessorFunction'),
      );
      expect(mappings).toHaveLength(1);
      expect(mappings[0].Properties).toEqual({
        FunctionName: { Ref: expect.stringMatching(/^PhotoProcessorFunction/) },
        EventSourceArn: expect.objectContaining({
          'Fn::GetStackOutput': expect.objectContaining({ StackName: expect.stringMatching(/-Data$/) }),
        }),
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 1,
        MaximumBatchingWindowInSeconds: 1,
        ParallelizationFactor: 5,
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: 3,
        MaximumRecordAgeInSeconds: 3600,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        Tags: expect.any(Array),
        FilterCriteria: {
          Filters: [
            {
              Pattern: JSON.stringify({
                eventName: ['MODIFY'],
                dynamodb: { NewImage: { status: { S: ['PROCESSING'] } } },
              }),
            },
          ],
        },
        DestinationConfig: {
          OnFailure: {
            Destination: { 'Fn::GetAtt': [expect.stringMatching(/^PhotoProcessingFailureQueue/), 'Arn'] },
          },
        },
      });
    });

    it('keeps failed batches in an encrypted, TLS-only queue for 14 days', () => {
      const queues = api(stage).findResources('AWS::SQS::Queue');
      expect(Object.keys(queues).sort()).toEqual([
        expect.stringMatching(/^PhotoProcessingFailureQueue/),
        expect.stringMatching(/^PhotoStreamFailureQueue/),
        expect.stringMatching(/^ReconcilerFailuresQueue/),
        expect.stringMatching(/^UploadFailuresQueue/),
      ]);
      for (const queue of Object.values(queues)) {
        expect(queue.Properties).toMatchObject({
          SqsManagedSseEnabled: true,
          MessageRetentionPeriod: 1209600,
        });
      }
      for (const policy of Object.values(api(stage).findResources('AWS::SQS::QueuePolicy'))) {
        expect(policy.Properties.PolicyDocument.Statement).toEqual(
          expect.arrayContaining([
            expect.objectContaining({
              Effect: 'Deny',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        );
      }
    });
  });

  describe('reconciliation', () => {
    it('runs the reconciler every 15 minutes, with a dead-letter queue for runs that still fail', () => {
      api(stage).hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(15 minutes)',
        Targets: [
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ReconcilerFunction'), 'Arn'] },
            DeadLetterConfig: {
              Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ReconcilerFailuresQueue'), 'Arn'] },
            },
          }),
        ],
      });
      expect(functionsByService(api(stage))[FUNCTIONS.reconciler.name].Properties.DeadLetterConfig).toEqual({
        TargetArn: { 'Fn::GetAtt': [expect.stringMatching(/^ReconcilerFailuresQueue/), 'Arn'] },
      });
    });

    it('tells the stream processor which table keeps its pending changes', () => {
      const env = functionsByService(api(stage))[FUNCTIONS.streamProcessor.name].Properties.Environment
        .Variables;
      expect(JSON.stringify(env.TABLE_NAME)).toContain('PhotoTable');
    });
  });

  describe('upload events', () => {
    it('routes S3 Object Created events for photo keys of the photo bucket to upload-complete', () => {
      api(stage).hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          source: ['aws.s3'],
          'detail-type': ['Object Created'],
          detail: {
            bucket: { name: [Match.objectLike({ 'Fn::GetStackOutput': Match.anyValue() })] },
            object: { key: [{ prefix: 'photos/' }] },
          },
        },
        Targets: [
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^UploadCompleteFunction'), 'Arn'] },
            RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 },
            DeadLetterConfig: {
              Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^UploadFailuresQueue'), 'Arn'] },
            },
          }),
        ],
      });
    });

    it('gives the asynchronously invoked upload-complete handler a dead-letter queue', () => {
      expect(
        functionsByService(api(stage))[FUNCTIONS.uploadComplete.name].Properties.DeadLetterConfig,
      ).toEqual({
        TargetArn: { 'Fn::GetAtt': [expect.stringMatching(/^UploadFailuresQueue/), 'Arn'] },
      });
    });
  });

  describe('HTTP API', () => {
    it('is an HTTP API with CORS limited to the configured origins', () => {
      api(stage).hasResourceProperties('AWS::ApiGatewayV2::Api', {
        ProtocolType: 'HTTP',
        CorsConfiguration: {
          AllowOrigins: [...config.api.allowedOrigins],
          // Exactly the methods of the route table.
          AllowMethods: methodsInUse(),
          AllowHeaders: ['authorization', 'content-type'],
          MaxAge: 3600,
        },
      });
    });

    it('verifies Cognito JWTs issued for the app client', () => {
      const authorizers = Object.values(api(stage).findResources('AWS::ApiGatewayV2::Authorizer'));
      expect(authorizers).toHaveLength(1);
      const { AuthorizerType, IdentitySource, JwtConfiguration } = authorizers[0].Properties;
      expect({ AuthorizerType, IdentitySource }).toEqual({
        AuthorizerType: 'JWT',
        IdentitySource: ['$request.header.Authorization'],
      });
      expect(Object.keys(JwtConfiguration).sort()).toEqual(['Audience', 'Issuer']);
      const { byName } = synthesized[stage]!;
      const [clientId] = Object.keys(data(stage).findResources('AWS::Cognito::UserPoolClient'));
      expect(JwtConfiguration.Audience).toHaveLength(1);
      expect(followStackOutput(byName, JwtConfiguration.Audience[0])).toMatchObject({
        stackName: stackName(stage, 'data'),
        value: { Ref: clientId },
      });
    });

    it("takes the issuer whole from a data stack output that joins https:// and the pool's ProviderURL", () => {
      const [authorizer] = Object.values(api(stage).findResources('AWS::ApiGatewayV2::Authorizer'));
      // followStackOutput accepts only a whole Fn::GetStackOutput, nothing around it.
      expect(
        followStackOutput(synthesized[stage]!.byName, authorizer.Properties.JwtConfiguration.Issuer),
      ).toEqual({
        stackName: stackName(stage, 'data'),
        outputName: expect.any(String),
        value: { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': ['UsersUserPool7E610616', 'ProviderURL'] }]] },
      });
    });

    it('has exactly the routes of the contract, each with its authorization', () => {
      const routes = Object.values(api(stage).findResources('AWS::ApiGatewayV2::Route'));
      const byKey: Record<string, Record<string, unknown>> = Object.fromEntries(
        routes.map((r) => [r.Properties.RouteKey, r.Properties]),
      );
      expect(Object.keys(byKey).sort()).toEqual([...ROUTE_KEYS].sort());
      for (const key of ROUTE_KEYS) {
        const route = byKey[key];
        if (ROUTES[key].auth === 'none') {
          expect(route.AuthorizationType).toBe('NONE');
        } else {
          expect(route.AuthorizationType).toBe('JWT');
          expect(route.AuthorizerId).toEqual({ Ref: expect.stringMatching(/CognitoAuthorizer/) });
        }
      }
      // The contract itself: only the health check is public.
      expect(ROUTE_KEYS.filter((key) => ROUTES[key].auth === 'none')).toEqual(['GET /health']);
    });

    it('sends each route to the function the contract names, with payload format 2.0', () => {
      const template = api(stage);
      const integrations = template.findResources('AWS::ApiGatewayV2::Integration');
      const functions = template.findResources('AWS::Lambda::Function');
      const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'));
      for (const key of ROUTE_KEYS) {
        const route = routes.find((r) => r.Properties.RouteKey === key)!;
        const integrationId = route.Properties.Target['Fn::Join'][1][1].Ref as string;
        const integration = integrations[integrationId].Properties;
        expect(integration.PayloadFormatVersion).toBe('2.0');
        const functionId = integration.IntegrationUri['Fn::GetAtt'][0] as string;
        expect([key, functions[functionId].Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME]).toEqual(
          [key, FUNCTIONS[ROUTES[key].function].name],
        );
      }
    });

    it('throttles the stage and writes JSON access logs', () => {
      const stageResource = Object.values(api(stage).findResources('AWS::ApiGatewayV2::Stage'))[0];
      expect(stageResource.Properties).toMatchObject({
        StageName: '$default',
        AutoDeploy: true,
        DefaultRouteSettings: {
          ThrottlingRateLimit: config.api.throttleRateLimit,
          ThrottlingBurstLimit: config.api.throttleBurstLimit,
        },
      });
      const format = JSON.parse(stageResource.Properties.AccessLogSettings.Format as string) as Record<
        string,
        string
      >;
      expect(format).toMatchObject({
        requestId: '$context.requestId',
        status: '$context.status',
        routeKey: '$context.routeKey',
        latencyMs: '$context.responseLatency',
      });
      expect(stageResource.Properties.AccessLogSettings.DestinationArn).toEqual({
        'Fn::GetAtt': [expect.stringMatching(/^PhotoApiAccessLogs/), 'Arn'],
      });
    });

    it('outputs the API URL for clients; the user pool ids are outputs of the data stack, beside the pool', () => {
      api(stage).hasOutput('ApiUrl', {});
      const own = Object.keys(api(stage).findOutputs('*')).filter((id) => !id.startsWith('PublishOutput'));
      expect(own).toEqual(['ApiUrl']);
      const [clientId] = Object.keys(data(stage).findResources('AWS::Cognito::UserPoolClient'));
      data(stage).hasOutput('UserPoolId', { Value: { Ref: 'UsersUserPool7E610616' } });
      data(stage).hasOutput('UserPoolClientId', { Value: { Ref: clientId } });
    });
  });

  it('holds no stateful resource', () => {
    for (const type of [
      'AWS::DynamoDB::GlobalTable',
      'AWS::S3::Bucket',
      'AWS::RDS::DBCluster',
      'AWS::ElastiCache::ReplicationGroup',
      'AWS::Cognito::UserPool',
      'AWS::SecretsManager::Secret',
    ]) {
      api(stage).resourceCountIs(type, 0);
    }
  });
});
