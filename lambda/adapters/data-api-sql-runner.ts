/**
 * SqlRunner over the RDS Data API, used by the schema-migration custom resource at deploy time: it
 * needs no VPC access and no database driver, only the cluster ARN and the admin secret.
 */
import {
  BeginTransactionCommand,
  CommitTransactionCommand,
  ExecuteStatementCommand,
  RollbackTransactionCommand,
} from '@aws-sdk/client-rds-data';
import type { ColumnMetadata, Field, SqlParameter, RDSDataClient } from '@aws-sdk/client-rds-data';
import type { SqlRunner, SqlValue } from '../domain/schema-migrations';

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

export class DataApiSqlRunner implements SqlRunner {
  constructor(
    private readonly client: RDSDataClient,
    private readonly target: DataApiTarget,
  ) {}

  execute(sql: string, params?: Record<string, SqlValue>): Promise<Record<string, SqlValue>[]> {
    return this.run(sql, params);
  }

  async transaction<T>(work: (tx: Pick<SqlRunner, 'execute'>) => Promise<T>): Promise<T> {
    const { resourceArn, secretArn, database } = this.target;
    const { transactionId } = await this.client.send(
      new BeginTransactionCommand({ resourceArn, secretArn, database }),
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
    const output = await this.client.send(
      new ExecuteStatementCommand({
        resourceArn,
        secretArn,
        database,
        sql,
        includeResultMetadata: true,
        ...(parameters.length > 0 ? { parameters } : {}),
        ...(transactionId ? { transactionId } : {}),
      }),
    );
    return toRows(output.records, output.columnMetadata);
  }
}
