/**
 * The handlers' logs and metrics land where the infrastructure looks: each
 * function runs the real handler code with the environment its template gives
 * it, and what Powertools writes (JSON logs, Embedded Metric Format) is
 * compared with the alarms and the dashboard. No engines: the dependencies
 * are a closed port and a loopback server that accepts S3 deletes.
 */
import type { Context, DynamoDBStreamEvent } from 'aws-lambda';
import { APP_METRICS, APP_METRICS_NAMESPACE, SERVICE_DIMENSION } from '../../lib/app-metrics';
import { DEFAULT_STAGE, STAGE_NAMES } from '../../lib/config';
import { synthStage } from './helpers/app';
import { dashboardWidgets } from './helpers/dashboard';
import {
  acceptingServer,
  closedPort,
  emittedMetrics,
  lambdaEnvironment,
  logLines,
  outputOf,
  type EmittedMetric,
} from './helpers/telemetry';

type Handler<E, R> = (event: E, context: Context) => Promise<R>;
interface HandlerModule<E, R> {
  readonly handler: Handler<E, R>;
  dispose(): Promise<void>;
}

/** Loads a handler module afresh, so that its Powertools instances read the current environment. */
function loadHandler<E, R>(entry: 'stream-processor' | 'profiles-api'): HandlerModule<E, R> {
  let loaded: HandlerModule<E, R> | undefined;
  jest.isolateModules(() => {
    // A static import would share one Powertools instance (one service name) across functions.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require(`../../lambda/handlers/${entry}`) as HandlerModule<E, R>;
  });
  return loaded!;
}

const context = (service: string) =>
  ({
    functionName: `${service}-function`,
    awsRequestId: 'telemetry-test',
    getRemainingTimeInMillis: () => 10_000,
  }) as unknown as Context;

const ownerId = 'telemetry-owner';
const photoId = '0f0e0d0c-0b0a-4908-8706-050403020100';
/** A pending photo's item as the table stream carries it. */
const pendingPhotoImage = {
  pk: { S: `PHOTO#${photoId}` },
  photoId: { S: photoId },
  ownerId: { S: ownerId },
  status: { S: 'PENDING' },
  contentType: { S: 'image/png' },
  sizeBytes: { N: '32' },
  objectKey: { S: `photos/${ownerId}/${photoId}` },
  createdAt: { S: '2024-01-01T00:00:00.000Z' },
  updatedAt: { S: '2024-01-01T00:00:00.000Z' },
  expiresAt: { N: '1704070800' },
};

/** One record the processor cannot read, and one pending upload that TTL removed. */
const streamBatch = {
  Records: [
    { eventID: '1', eventName: 'INSERT', dynamodb: { SequenceNumber: '1' } },
    {
      eventID: '2',
      eventName: 'REMOVE',
      userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
      dynamodb: {
        SequenceNumber: '2',
        Keys: { pk: pendingPhotoImage.pk },
        OldImage: pendingPhotoImage,
      },
    },
  ],
} as unknown as DynamoDBStreamEvent;

describe.each(STAGE_NAMES)('telemetry settings of the %s stage', (stage) => {
  const { templates } = synthStage(stage, { nag: false });

  it('gives every function its own service name and the namespace the dashboard reads', () => {
    const settings = [templates.api, templates.data].flatMap((template) =>
      Object.values(template.findResources('AWS::Lambda::Function'))
        .map((fn) => fn.Properties.Environment?.Variables as Record<string, unknown> | undefined)
        .filter((variables) => variables?.POWERTOOLS_SERVICE_NAME !== undefined)
        .map((variables) => [variables!.POWERTOOLS_SERVICE_NAME, variables!.POWERTOOLS_METRICS_NAMESPACE]),
    );
    const services = settings.map(([service]) => service);
    expect(new Set(services).size).toBe(services.length);
    expect(services).toEqual(expect.arrayContaining(['profiles-api', 'stream-processor', 'upload-complete']));
    for (const [, namespace] of settings) expect(namespace).toBe(APP_METRICS_NAMESPACE);
  });
});

describe('telemetry of the handlers', () => {
  const { templates } = synthStage(DEFAULT_STAGE, { nag: false });
  const alarms = Object.values(templates.monitoring.findResources('AWS::CloudWatch::Alarm')).map(
    (alarm) => alarm.Properties as Record<string, any>,
  );
  const dashboardLines = dashboardWidgets(templates.monitoring).flatMap((w) => w.properties.metrics ?? []);

  /** Whether an alarm reads exactly this metric: namespace, name and the whole dimension set. */
  const alarmReads = (metric: EmittedMetric) =>
    alarms.some(
      (alarm) =>
        alarm.Namespace === metric.namespace &&
        alarm.MetricName === metric.name &&
        JSON.stringify(alarm.Dimensions) ===
          JSON.stringify(Object.entries(metric.dimensions).map(([Name, Value]) => ({ Name, Value }))),
    );
  /** Whether a dashboard graph draws exactly this metric. */
  const dashboardDraws = (metric: EmittedMetric) =>
    dashboardLines.some(
      (line) =>
        JSON.stringify(line.slice(0, -1)) ===
        JSON.stringify([metric.namespace, metric.name, ...Object.entries(metric.dimensions).flat()]),
    );

  let output: Record<'stream-processor' | 'profiles-api', string[]>;
  beforeAll(async () => {
    const refused = String(await closedPort());
    const s3 = await acceptingServer();
    try {
      const streamEnv = lambdaEnvironment(templates.api, 'stream-processor', {
        DB_HOST: '127.0.0.1',
        DB_PORT: refused,
        CACHE_HOST: '127.0.0.1',
        CACHE_PORT: refused,
        AWS_ENDPOINT_URL_S3: s3.url,
        S3_FORCE_PATH_STYLE: 'true',
      });
      const streamLines = await outputOf(streamEnv, async () => {
        const module = loadHandler<DynamoDBStreamEvent, unknown>('stream-processor');
        await module.handler(streamBatch, context('stream-processor'));
        await module.dispose();
      });
      const profilesEnv = lambdaEnvironment(templates.api, 'profiles-api', {
        DB_HOST: '127.0.0.1',
        DB_READER_HOST: '127.0.0.1',
        DB_PORT: refused,
        CACHE_HOST: '127.0.0.1',
        CACHE_PORT: refused,
      });
      const profileLines = await outputOf(profilesEnv, async () => {
        const module = loadHandler<unknown, unknown>('profiles-api');
        await module.handler(
          {
            routeKey: 'GET /users/{userId}',
            rawPath: `/users/${ownerId}`,
            pathParameters: { userId: ownerId },
            headers: {},
            requestContext: {
              requestId: 'telemetry-test',
              authorizer: { jwt: { claims: { sub: 'caller' } } },
            },
          },
          context('profiles-api'),
        );
        await module.dispose();
      });
      output = { 'stream-processor': streamLines, 'profiles-api': profileLines };
    } finally {
      await s3.close();
    }
  });

  const appMetric = (name: string, service: string) =>
    expect.objectContaining({
      namespace: APP_METRICS_NAMESPACE,
      name,
      dimensions: { [SERVICE_DIMENSION]: service },
    });

  it("logs every line of a function under that function's service name", () => {
    for (const [service, lines] of Object.entries(output)) {
      const logs = logLines(lines);
      expect(logs.length).toBeGreaterThan(0);
      for (const log of logs) expect(log.service).toBe(service);
    }
  });

  it('counts failed stream records and cleaned-up uploads where the alarm and the dashboard read them', () => {
    const metrics = emittedMetrics(output['stream-processor']);
    const failed = metrics.find((m) => m.name === APP_METRICS.failedStreamRecords);
    const cleanedUp = metrics.find((m) => m.name === APP_METRICS.cleanedUpUploads);
    expect(failed).toEqual(appMetric(APP_METRICS.failedStreamRecords, 'stream-processor'));
    expect(failed?.value).toBe(1);
    expect(cleanedUp).toEqual(appMetric(APP_METRICS.cleanedUpUploads, 'stream-processor'));
    expect(alarmReads(failed!)).toBe(true);
    expect(dashboardDraws(failed!)).toBe(true);
    expect(dashboardDraws(cleanedUp!)).toBe(true);
  });

  it('counts cache errors where the alarm and the dashboard read them', () => {
    const errors = emittedMetrics(output['profiles-api']).filter((m) => m.name === APP_METRICS.cacheErrors);
    expect(errors).toEqual([appMetric(APP_METRICS.cacheErrors, 'profiles-api')]);
    expect(alarmReads(errors[0])).toBe(true);
    expect(dashboardDraws(errors[0])).toBe(true);
  });

  it('emits nothing into another namespace', () => {
    const namespaces = Object.values(output).flatMap((lines) =>
      emittedMetrics(lines).map((m) => m.namespace),
    );
    expect(new Set(namespaces)).toEqual(new Set([APP_METRICS_NAMESPACE]));
  });
});
