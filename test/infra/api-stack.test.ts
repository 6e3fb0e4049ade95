import { Match, type Template } from 'aws-cdk-lib/assertions';
import { synthStage, type SynthesizedApp } from './helpers/app';

const synthesized: Partial<Record<'dev' | 'prod', SynthesizedApp>> = {};
beforeAll(() => {
  synthesized.dev = synthStage('dev');
  synthesized.prod = synthStage('prod');
});
const api = (stage: 'dev' | 'prod'): Template => synthesized[stage]!.templates.api;

type Resource = { Properties: Record<string, any>; [key: string]: unknown };

/** Application functions (the ones with a Powertools service name), by service. */
function functionsByService(template: Template): Record<string, Resource> {
  const result: Record<string, Resource> = {};
  for (const fn of Object.values(template.findResources('AWS::Lambda::Function')) as Resource[]) {
    const service = fn.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME as string | undefined;
    if (service) {
      result[service] = fn;
    }
  }
  return result;
}

/** Statements of the inline policy attached to a function's role. */
function policyStatements(template: Template, fn: Resource): Array<Record<string, any>> {
  const roleId = fn.Properties.Role['Fn::GetAtt'][0] as string;
  const policies = Object.values(template.findResources('AWS::IAM::Policy')).filter((p) =>
    (p.Properties.Roles as Array<{ Ref: string }>).some((r) => r.Ref === roleId),
  );
  return policies.flatMap((p) => p.Properties.PolicyDocument.Statement as Array<Record<string, any>>);
}

function actionsOf(statements: Array<Record<string, any>>): string[] {
  return statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action])).sort();
}

function managedPoliciesOf(template: Template, fn: Resource): string[] {
  const roleId = fn.Properties.Role['Fn::GetAtt'][0] as string;
  const role = template.findResources('AWS::IAM::Role')[roleId];
  return ((role.Properties.ManagedPolicyArns ?? []) as unknown[]).map((arn) => JSON.stringify(arn));
}

const SERVICES = ['health', 'photos-api', 'profiles-api', 'upload-complete', 'stream-processor'];

describe.each(['dev', 'prod'] as const)('api stack (%s)', (stage) => {
  describe('functions', () => {
    it('has exactly the application functions', () => {
      expect(Object.keys(functionsByService(api(stage))).sort()).toEqual([...SERVICES].sort());
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
        expect(logGroup.Properties.RetentionInDays).toBe(stage === 'prod' ? 365 : 14);
        expect(logGroup.DeletionPolicy).toBe(stage === 'prod' ? 'Retain' : 'Delete');
      },
    );

    it.each([
      ['health', 128, 3],
      ['photos-api', 512, 10],
      ['profiles-api', 512, 10],
      ['upload-complete', 256, 30],
      ['stream-processor', 512, 60],
    ])('%s: explicit memory %i MB and timeout %i s', (service, memory, timeout) => {
      expect(functionsByService(api(stage))[service].Properties).toMatchObject({
        MemorySize: memory,
        Timeout: timeout,
      });
    });

    it('puts only the functions that talk to Aurora or Redis in the VPC', () => {
      const fns = functionsByService(api(stage));
      const inVpc = Object.entries(fns)
        .filter(([, fn]) => fn.Properties.VpcConfig)
        .map(([name]) => name)
        .sort();
      expect(inVpc).toEqual(['profiles-api', 'stream-processor']);
      for (const name of inVpc) {
        expect(JSON.stringify(fns[name].Properties.VpcConfig)).toContain('NetworkVpcApplicationSubnet');
        expect(JSON.stringify(fns[name].Properties.VpcConfig.SecurityGroupIds)).toContain(
          'NetworkFunctionSecurityGroup',
        );
      }
    });

    it("uses no AWS managed policies: logs go to the function's own log group only", () => {
      for (const fn of Object.values(functionsByService(api(stage)))) {
        expect(managedPoliciesOf(api(stage), fn).filter((arn) => arn.includes('iam::aws:policy'))).toEqual(
          [],
        );
        const logStatement = policyStatements(api(stage), fn).find((s) =>
          actionsOf([s]).includes('logs:PutLogEvents'),
        );
        expect(logStatement?.Resource).toEqual({
          'Fn::GetAtt': [fn.Properties.LoggingConfig.LogGroup.Ref, 'Arn'],
        });
      }
    });

    it('reserves concurrency for the database-facing API in prod only', () => {
      const profiles = functionsByService(api(stage))['profiles-api'];
      if (stage === 'prod') {
        expect(profiles.Properties.ReservedConcurrentExecutions).toBe(100);
      } else {
        expect(profiles.Properties).not.toHaveProperty('ReservedConcurrentExecutions');
      }
    });
  });

  describe('least-privilege grants', () => {
    const grants = (service: string) => {
      const fn = functionsByService(api(stage))[service];
      return {
        actions: actionsOf(policyStatements(api(stage), fn)).filter(
          (a) => !a.startsWith('logs:') && !a.startsWith('xray:') && !a.startsWith('ec2:'),
        ),
        managed: managedPoliciesOf(api(stage), fn),
      };
    };

    it('health has no data access', () => {
      expect(grants('health')).toEqual({ actions: [], managed: [] });
    });

    it('photos-api reads and writes photo items and may sign PUT and GET for photo keys', () => {
      const { actions, managed } = grants('photos-api');
      expect(actions).toEqual([
        'dynamodb:ConditionCheckItem',
        'dynamodb:DeleteItem',
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:Query',
        'dynamodb:UpdateItem',
      ]);
      expect(managed).toHaveLength(2);
      expect(managed.join()).toMatch(/PhotoBucketPutPhotos/);
      expect(managed.join()).toMatch(/PhotoBucketGetPhotos/);
    });

    it('photos-api names the two indexes, not a wildcard', () => {
      const fn = functionsByService(api(stage))['photos-api'];
      const dynamo = policyStatements(api(stage), fn).find((s) => actionsOf([s]).includes('dynamodb:Query'))!;
      const resources = JSON.stringify(dynamo.Resource);
      expect(resources).toContain('/index/byOwner');
      expect(resources).toContain('/index/feed');
      expect(resources).not.toContain('*');
    });

    it('profiles-api connects to the proxy as app_user and to the cache as its IAM user', () => {
      const { actions, managed } = grants('profiles-api');
      expect(actions).toEqual(['elasticache:Connect', 'rds-db:connect']);
      expect(managed).toEqual([]);
      const fn = functionsByService(api(stage))['profiles-api'];
      const connect = policyStatements(api(stage), fn).find((s) => s.Action === 'rds-db:connect')!;
      expect(JSON.stringify(connect.Resource)).toMatch(/\/app_user"/);
    });

    it.each(['profiles-api', 'stream-processor'])(
      '%s may connect to this replication group as the app user only',
      (service) => {
        const fn = functionsByService(api(stage))[service];
        const connect = policyStatements(api(stage), fn).find((s) => s.Action === 'elasticache:Connect')!;
        const resources = JSON.stringify(connect.Resource);
        expect(Array.isArray(connect.Resource) && connect.Resource).toHaveLength(2);
        expect(resources).toContain(':replicationgroup:');
        expect(resources).toContain('ProfileCacheReplicationGroup');
        expect(resources).toContain('ProfileCacheAppUser');
        expect(resources).not.toContain('*');
        const env = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
        expect(env.REDIS_IAM_USER).toBe(`photoapp-${stage}-app`);
        expect(JSON.stringify(env.REDIS_CACHE_ID)).toContain('ProfileCacheReplicationGroup');
        expect(env.REDIS_TLS).toBe('true');
      },
    );

    it('upload-complete reads and updates items, inspects uploads and deletes rejected versions', () => {
      const { actions, managed } = grants('upload-complete');
      expect(actions).toEqual(['dynamodb:GetItem', 'dynamodb:UpdateItem', 'sqs:SendMessage']);
      expect(managed).toHaveLength(1);
      expect(managed[0]).toMatch(/PhotoBucketVerifyUploads/);
    });

    it('stream-processor reads the stream, updates counts, invalidates the cache and deletes objects', () => {
      const { actions, managed } = grants('stream-processor');
      expect(actions).toEqual([
        'dynamodb:DescribeStream',
        'dynamodb:GetRecords',
        'dynamodb:GetShardIterator',
        'dynamodb:ListStreams',
        'elasticache:Connect',
        'rds-db:connect',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:SendMessage',
      ]);
      expect(managed).toHaveLength(1);
      expect(managed[0]).toMatch(/PhotoBucketDeletePhotos/);
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

    it('keeps failed batches in an encrypted, TLS-only queue for 14 days', () => {
      const queues = api(stage).findResources('AWS::SQS::Queue');
      expect(Object.keys(queues).sort()).toEqual([
        expect.stringMatching(/^PhotoStreamFailureQueue/),
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
      expect(functionsByService(api(stage))['upload-complete'].Properties.DeadLetterConfig).toEqual({
        TargetArn: { 'Fn::GetAtt': [expect.stringMatching(/^UploadFailuresQueue/), 'Arn'] },
      });
    });
  });

  describe('HTTP API', () => {
    it('is an HTTP API with CORS limited to the configured origins', () => {
      api(stage).hasResourceProperties('AWS::ApiGatewayV2::Api', {
        ProtocolType: 'HTTP',
        CorsConfiguration: {
          AllowOrigins: stage === 'prod' ? ['https://photos.example.com'] : ['http://localhost:5173'],
          AllowMethods: ['GET', 'PUT', 'POST', 'DELETE'],
          AllowHeaders: ['authorization', 'content-type'],
          MaxAge: 3600,
        },
      });
    });

    it('verifies Cognito JWTs issued for the app client', () => {
      api(stage).hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
        AuthorizerType: 'JWT',
        IdentitySource: ['$request.header.Authorization'],
        JwtConfiguration: {
          Audience: [
            Match.objectLike({
              'Fn::GetStackOutput': Match.objectLike({
                OutputName: Match.stringLikeRegexp('UsersUserPoolAppClient'),
              }),
            }),
          ],
          Issuer: Match.objectLike({
            'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('https://cognito-idp.')])],
          }),
        },
      });
    });

    it('requires the JWT authorizer on every route but GET /health', () => {
      const routes = Object.values(api(stage).findResources('AWS::ApiGatewayV2::Route'));
      const byKey: Record<string, Record<string, unknown>> = Object.fromEntries(
        routes.map((r) => [r.Properties.RouteKey, r.Properties]),
      );
      expect(Object.keys(byKey).sort()).toEqual(
        [
          'DELETE /photos/{photoId}',
          'GET /feed',
          'GET /health',
          'GET /me',
          'GET /photos/{photoId}',
          'GET /users/{userId}',
          'GET /users/{userId}/photos',
          'POST /photos',
          'PUT /me',
        ].sort(),
      );
      for (const [key, route] of Object.entries(byKey)) {
        if (key === 'GET /health') {
          expect(route.AuthorizationType).toBe('NONE');
        } else {
          expect(route.AuthorizationType).toBe('JWT');
          expect(route.AuthorizerId).toEqual({ Ref: expect.stringMatching(/CognitoAuthorizer/) });
        }
      }
    });

    it('sends profile routes to profiles-api and photo routes to photos-api', () => {
      const integrations = api(stage).findResources('AWS::ApiGatewayV2::Integration');
      const routes = Object.values(api(stage).findResources('AWS::ApiGatewayV2::Route'));
      const target = (key: string) => {
        const route = routes.find((r) => r.Properties.RouteKey === key)!;
        const integrationId = route.Properties.Target['Fn::Join'][1][1].Ref as string;
        const integration = integrations[integrationId].Properties;
        expect(integration.PayloadFormatVersion).toBe('2.0');
        return integration.IntegrationUri['Fn::GetAtt'][0] as string;
      };
      for (const key of ['GET /me', 'PUT /me', 'GET /users/{userId}']) {
        expect(target(key)).toMatch(/^ProfilesFunction/);
      }
      for (const key of [
        'POST /photos',
        'GET /photos/{photoId}',
        'DELETE /photos/{photoId}',
        'GET /users/{userId}/photos',
        'GET /feed',
      ]) {
        expect(target(key)).toMatch(/^PhotosFunction/);
      }
      expect(target('GET /health')).toMatch(/^HealthFunction/);
    });

    it('throttles the stage and writes JSON access logs', () => {
      const stageResource = Object.values(api(stage).findResources('AWS::ApiGatewayV2::Stage'))[0];
      expect(stageResource.Properties).toMatchObject({
        StageName: '$default',
        AutoDeploy: true,
        DefaultRouteSettings:
          stage === 'prod'
            ? { ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 }
            : { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
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

    it('outputs the API URL and the user pool ids for clients', () => {
      api(stage).hasOutput('ApiUrl', {});
      api(stage).hasOutput('UserPoolId', {});
      api(stage).hasOutput('UserPoolClientId', {});
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
