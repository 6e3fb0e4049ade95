import { Duration, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as authorizers from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import * as integrations from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { HttpMethod } from '../../contract/routes';

/** One route of the API. */
export interface PhotoApiRoute {
  readonly method: HttpMethod;
  /** Path with `{param}` placeholders, for example `/photos/{photoId}`. */
  readonly path: string;
  readonly handler: lambda.IFunction;
  /** Public routes skip the JWT authorizer; only the health check is public. @default false */
  readonly public?: boolean;
}

export interface PhotoApiProps {
  /**
   * Issuer URL of the user pool whose tokens are accepted, as one whole
   * value (`https://cognito-idp.<region>.amazonaws.com/<pool id>`).
   */
  readonly jwtIssuer: string;
  /** App clients whose tokens are accepted (the JWT audience). */
  readonly userPoolClients: cognito.IUserPoolClient[];
  readonly routes: readonly PhotoApiRoute[];
  /** Browser origins allowed by CORS. */
  readonly allowedOrigins: readonly string[];
  /** Steady-state requests per second of the stage. */
  readonly throttleRateLimit: number;
  /** Burst size of the stage. */
  readonly throttleBurstLimit: number;
  readonly logRetentionDays: logs.RetentionDays;
  readonly logRemovalPolicy: RemovalPolicy;
  /** Customer-managed key of the access log group. @default - CloudWatch Logs' own encryption */
  readonly logEncryptionKey?: kms.IKey;
}

/**
 * The public HTTP API (API Gateway v2): cheaper and faster than a REST API,
 * with a Cognito JWT authorizer on every route but the health check, stage
 * throttling, JSON access logs and CORS limited to the configured origins.
 * Request validation is the handlers' job.
 */
export class PhotoApi extends Construct {
  /** The HTTP API. */
  public readonly httpApi: apigwv2.HttpApi;
  /** The `$default` stage. */
  public readonly stage: apigwv2.HttpStage;
  /** Access logs of the stage. */
  public readonly accessLogs: logs.ILogGroup;

  constructor(scope: Construct, id: string, props: PhotoApiProps) {
    super(scope, id);
    if (props.allowedOrigins.length === 0 || props.allowedOrigins.includes('*')) {
      throw new Error('PhotoApi: allowedOrigins must list explicit origins');
    }
    const publicRoutes = props.routes.filter((r) => r.public);
    if (publicRoutes.some((r) => !(r.method === 'GET' && r.path === '/health'))) {
      throw new Error('PhotoApi: only GET /health may be public');
    }

    // The JWT authorizer with the pool's issuer, which is what the user-pool
    // authorizer renders too; given whole, the issuer needs no Fn::Join here.
    const authorizer = new authorizers.HttpJwtAuthorizer('CognitoAuthorizer', props.jwtIssuer, {
      jwtAudience: props.userPoolClients.map((client) => client.userPoolClientId),
    });

    this.httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      description: 'Photo-sharing API',
      createDefaultStage: false,
      defaultAuthorizer: authorizer,
      corsPreflight: {
        allowOrigins: [...props.allowedOrigins],
        // Exactly the methods the routes use.
        allowMethods: [...new Set(props.routes.map((route) => apigwv2.CorsHttpMethod[route.method]))],
        allowHeaders: ['authorization', 'content-type'],
        maxAge: Duration.hours(1),
      },
    });

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetentionDays,
      removalPolicy: props.logRemovalPolicy,
      encryptionKey: props.logEncryptionKey,
    });
    this.stage = this.httpApi.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.throttleRateLimit, burstLimit: props.throttleBurstLimit },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogs),
        format: apigw.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            latencyMs: '$context.responseLatency',
            integrationLatencyMs: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            authorizerError: '$context.authorizer.error',
            userId: '$context.authorizer.claims.sub',
          }),
        ),
      },
    });

    const integrationsByFunction = new Map<lambda.IFunction, integrations.HttpLambdaIntegration>();
    for (const route of props.routes) {
      let integration = integrationsByFunction.get(route.handler);
      if (!integration) {
        // Handlers are wrapped in constructs (AppFunction), whose id names them.
        const name = (route.handler.node.scope ?? route.handler).node.id;
        integration = new integrations.HttpLambdaIntegration(`${name}Integration`, route.handler, {
          payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
        });
        integrationsByFunction.set(route.handler, integration);
      }
      const [httpRoute] = this.httpApi.addRoutes({
        path: route.path,
        methods: [apigwv2.HttpMethod[route.method]],
        integration,
        authorizer: route.public ? new apigwv2.HttpNoneAuthorizer() : undefined,
      });
      if (route.public) {
        Validations.of(httpRoute).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason:
            'GET /health is the one public route: load balancers and uptime checks call it without a token, and it reveals nothing but {"status":"ok"}.',
        });
      }
    }
  }

  /** The API's base URL (with a trailing slash). */
  get url(): string {
    return this.stage.url;
  }
}
