import * as http from 'node:http';
import * as net from 'node:net';
import type { Template } from 'aws-cdk-lib/assertions';

/** Stands in for a value CloudFormation resolves at deploy time (another resource's name or host). */
const UNRESOLVED = 'unresolved-at-synth';

/**
 * The environment Lambda gives the function of `service`: its variables from
 * the template (a reference, resolved only at deploy time, becomes a
 * placeholder), the variables Lambda itself adds, then `overrides`.
 */
export function lambdaEnvironment(
  template: Template,
  service: string,
  overrides: Record<string, string> = {},
): Record<string, string> {
  const matching = Object.values(template.findResources('AWS::Lambda::Function'))
    .map((fn) => fn.Properties.Environment?.Variables as Record<string, unknown> | undefined)
    .filter((variables) => variables?.POWERTOOLS_SERVICE_NAME === service);
  if (matching.length !== 1) throw new Error(`expected one function of service ${service}`);
  const variables = Object.fromEntries(
    Object.entries(matching[0]!).map(([name, value]) => [
      name,
      typeof value === 'string' ? value : UNRESOLVED,
    ]),
  );
  return {
    ...variables,
    AWS_REGION: 'us-east-1',
    AWS_LAMBDA_FUNCTION_NAME: `${service}-function`,
    // What Lambda sets from the function's application log level.
    AWS_LAMBDA_LOG_LEVEL: 'INFO',
    AWS_ACCESS_KEY_ID: 'telemetry-test',
    AWS_SECRET_ACCESS_KEY: 'telemetry-test',
    ...overrides,
  };
}

/** A loopback port nothing listens on: a dependency that refuses at once. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A loopback HTTP server that accepts every request with 204, for an S3 delete. */
export async function acceptingServer(): Promise<{ readonly url: string; close(): Promise<void> }> {
  const server = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(204).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * Runs `action` with `env` as the whole process environment (as in a fresh
 * Lambda environment), and returns what it wrote to stdout and stderr (where
 * Powertools puts warnings and errors), line by line.
 */
export async function outputOf(env: Record<string, string>, action: () => Promise<void>): Promise<string[]> {
  const saved = process.env;
  const chunks: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  };
  const writes = [
    jest.spyOn(process.stdout, 'write').mockImplementation(capture),
    jest.spyOn(process.stderr, 'write').mockImplementation(capture),
  ];
  process.env = { ...env };
  try {
    await action();
  } finally {
    process.env = saved;
    for (const write of writes) write.mockRestore();
  }
  return chunks
    .join('')
    .split('\n')
    .filter((line) => line.trim() !== '');
}

/** One metric of an Embedded Metric Format document, as CloudWatch files it. */
export interface EmittedMetric {
  readonly namespace: string;
  readonly name: string;
  /** The dimensions CloudWatch files the value under, with their values. */
  readonly dimensions: Record<string, unknown>;
  readonly value: unknown;
}

/** The metrics in the EMF documents among `lines` (other lines are logs). */
export function emittedMetrics(lines: readonly string[]): EmittedMetric[] {
  return lines.flatMap((line) => {
    let document: Record<string, any>;
    try {
      document = JSON.parse(line) as Record<string, any>;
    } catch {
      return [];
    }
    const directives = document._aws?.CloudWatchMetrics as
      Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> }> | undefined;
    return (directives ?? []).flatMap((directive) =>
      directive.Metrics.flatMap((metric) =>
        directive.Dimensions.map((set) => ({
          namespace: directive.Namespace,
          name: metric.Name,
          dimensions: Object.fromEntries(set.map((name) => [name, document[name]])),
          value: document[metric.Name],
        })),
      ),
    );
  });
}

/** The structured log lines among `lines`. */
export function logLines(lines: readonly string[]): Array<Record<string, unknown>> {
  return lines.flatMap((line) => {
    try {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      return parsed._aws ? [] : [parsed];
    } catch {
      return [];
    }
  });
}
