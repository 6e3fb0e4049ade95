/**
 * SqlRunner over the RDS Data API, used by the schema-migration custom resource at deploy time: it
 * needs no VPC access and no database driver, only the cluster ARN and the admin secret.
 */
import {
  BeginTransactionCommand,
  CommitTransactionCommand,
  ExecuteStatementCommand,
  RDSDataClient,
  RollbackTransactionCommand,
} from '@aws-sdk/client-rds-data';
import type { ColumnMetadata, Field, SqlParameter } from '@aws-sdk/client-rds-data';
import type { SqlRunner, SqlValue } from '../domain/schema-migrations';
import { sdkDeadlineConfig } from './sdk-deadline';
import type { SdkDeadline } from './sdk-deadline';

/**
 * The Data API ends a synchronous statement itself after 45 s (StatementTimeoutException), so an
 * attempt that has not answered after 50 s never will. Two attempts cost at most 2 × 50 s + 0.1 s =
 * 100.1 s per call. The runner below starts no attempt after maxElapsedMs (180 s), so one runner
 * call ends within 280.1 s, inside the migrations function's 5 minutes with about 20 s to report
 * to CloudFormation.
 */
export const DATA_API_DEADLINE: SdkDeadline = {
  connectionTimeoutMs: 1000,
  requestTimeoutMs: 50_000,
  maxAttempts: 2,
};

export function createDataApiClient(
  region: string,
  deadline: SdkDeadline = DATA_API_DEADLINE,
): RDSDataClient {
  return new RDSDataClient({ region, ...sdkDeadlineConfig(deadline) });
}

export interface DataApiTarget {
  readonly resourceArn: string;
  readonly secretArn: string;
  readonly database: string;
}

export function toSqlParameters(params: Record<string, SqlValue> = {}): SqlParameter[] {
  return Object.entries(params).map(([name, value]): SqlParameter => {
    if (value === null) return { name, value: { isNull: true } };
    switch (typeof value) {
      case 'string':
        return { name, value: { stringValue: value } };
      case 'boolean':
        return { name, value: { booleanValue: value } };
      case 'number':
        return Number.isInteger(value)
          ? { name, value: { longValue: value } }
          : { name, value: { doubleValue: value } };
    }
    throw new Error(`Unsupported SQL parameter type for ${name}`);
  });
}

export function fromField(field: Field): SqlValue {
  if (field.isNull) return null;
  if (field.stringValue !== undefined) return field.stringValue;
  if (field.longValue !== undefined) return field.longValue;
  if (field.doubleValue !== undefined) return field.doubleValue;
  if (field.booleanValue !== undefined) return field.booleanValue;
  throw new Error('Unsupported Data API field type');
}

export function toRows(
  records: Field[][] | undefined,
  columns: ColumnMetadata[] | undefined,
): Record<string, SqlValue>[] {
  if (!records) return [];
  const names = (columns ?? []).map((column, index) => column.label ?? column.name ?? `column${index}`);
  return records.map((record) =>
    Object.fromEntries(record.map((field, index) => [names[index] ?? `column${index}`, fromField(field)])),
  );
}

/**
 * How long the runner keeps retrying errors that pass on their own. The
 * migrations function has 5 minutes; giving up after 3 leaves CloudFormation
 * a clear error well inside that.
 */
export interface DataApiRetryPolicy {
  /** Stop retrying once this much time has passed since the first attempt. */
  readonly maxElapsedMs: number;
  /** First back-off; it doubles per attempt, with full jitter. */
  readonly baseDelayMs: number;
  /** Cap of one back-off. */
  readonly maxDelayMs: number;
  /** Injected by tests. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Injected by tests. @default Date.now */
  readonly now?: () => number;
}

export const DEFAULT_DATA_API_RETRY: DataApiRetryPolicy = {
  maxElapsedMs: 180_000,
  baseDelayMs: 1_000,
  maxDelayMs: 15_000,
};

// Errors the SDK's own retries do not treat as transient, but that pass:
// a paused cluster resuming, and an admin password mid-rotation (between
// Secrets Manager's setSecret and finishSecret steps the current secret no
// longer opens the database, for seconds to a minute).
const TRANSIENT_ERRORS = new Set(['DatabaseResumingException', 'DatabaseUnavailableException']);
const AUTHENTICATION_FAILURE = /password authentication failed|authentication failed|access denied for user/i;

/** Whether a Data API error is worth another attempt after a pause. */
export function isTransientDataApiError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (TRANSIENT_ERRORS.has(error.name)) return true;
  return (
    ['BadRequestException', 'DatabaseErrorException', 'ForbiddenException'].includes(error.name) &&
    AUTHENTICATION_FAILURE.test(error.message)
  );
}

export class DataApiSqlRunner implements SqlRunner {
  private readonly retry: Required<DataApiRetryPolicy>;

  constructor(
    private readonly client: RDSDataClient,
    private readonly target: DataApiTarget,
    retry: DataApiRetryPolicy = DEFAULT_DATA_API_RETRY,
  ) {
    this.retry = {
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      now: Date.now,
      ...retry,
    };
  }

  execute(sql: string, params?: Record<string, SqlValue>): Promise<Record<string, SqlValue>[]> {
    return this.run(sql, params);
  }

  async transaction<T>(work: (tx: Pick<SqlRunner, 'execute'>) => Promise<T>): Promise<T> {
    const { resourceArn, secretArn, database } = this.target;
    const { transactionId } = await this.withRetry(() =>
      this.client.send(new BeginTransactionCommand({ resourceArn, secretArn, database })),
    );
    if (!transactionId) throw new Error('Data API returned no transaction id');
    try {
      const result = await work({ execute: (sql, params) => this.run(sql, params, transactionId) });
      await this.client.send(new CommitTransactionCommand({ resourceArn, secretArn, transactionId }));
      return result;
    } catch (error) {
      await this.client
        .send(new RollbackTransactionCommand({ resourceArn, secretArn, transactionId }))
        .catch(() => undefined);
      throw error;
    }
  }

  private async run(
    sql: string,
    params: Record<string, SqlValue> | undefined,
    transactionId?: string,
  ): Promise<Record<string, SqlValue>[]> {
    const { resourceArn, secretArn, database } = this.target;
    const parameters = toSqlParameters(params);
    const command = new ExecuteStatementCommand({
      resourceArn,
      secretArn,
      database,
      sql,
      includeResultMetadata: true,
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(transactionId ? { transactionId } : {}),
    });
    // Inside a transaction the session is already signed in; a failure there
    // ends the transaction, so only statements outside one are retried.
    const output = transactionId
      ? await this.client.send(command)
      : await this.withRetry(() => this.client.send(command));
    return toRows(output.records, output.columnMetadata);
  }

  /** Retries transient errors with capped, jittered exponential back-off, until the policy's deadline. */
  private async withRetry<T>(attempt: () => Promise<T>): Promise<T> {
    const { maxElapsedMs, baseDelayMs, maxDelayMs, sleep, now } = this.retry;
    const started = now();
    for (let failures = 0; ; failures++) {
      try {
        return await attempt();
      } catch (error) {
        const delay = Math.random() * Math.min(maxDelayMs, baseDelayMs * 2 ** failures);
        if (!isTransientDataApiError(error) || now() - started + delay > maxElapsedMs) {
          throw error;
        }
        await sleep(delay);
      }
    }
  }
}
