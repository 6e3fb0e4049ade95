/**
 * Reads the table's stream from DynamoDB Local, as Lambda's event source mapping would, and turns
 * the records into the DynamoDBStreamEvent the stream processor receives. DynamoDB Local accepts
 * unsigned-looking requests, so a few lines of JSON-over-HTTP replace a Streams SDK client. Used by
 * the app tests and the local dev server.
 */
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './engines';

/** Tracks one position per shard, so each read returns only the records written since the last. */
export class StreamReader {
  private readonly iterators = new Map<string, string | undefined>();
  private streamArn: string | undefined;

  constructor(
    private readonly tableName: string,
    private readonly endpoint: string,
  ) {}

  /** Skips everything already in the stream. */
  async start(): Promise<void> {
    await this.read();
  }

  async read(): Promise<DynamoDBRecord[]> {
    this.streamArn ??= (
      await this.call<{ Table: { LatestStreamArn: string } }>('DynamoDB_20120810.DescribeTable', {
        TableName: this.tableName,
      })
    ).Table.LatestStreamArn;
    const { StreamDescription } = await this.call<{ StreamDescription: { Shards: { ShardId: string }[] } }>(
      'DynamoDBStreams_20120810.DescribeStream',
      { StreamArn: this.streamArn },
    );
    const records: DynamoDBRecord[] = [];
    for (const { ShardId } of StreamDescription.Shards) {
      let iterator = this.iterators.get(ShardId);
      if (!this.iterators.has(ShardId)) {
        iterator = (
          await this.call<{ ShardIterator: string }>('DynamoDBStreams_20120810.GetShardIterator', {
            StreamArn: this.streamArn,
            ShardId,
            ShardIteratorType: 'TRIM_HORIZON',
          })
        ).ShardIterator;
      }
      while (iterator) {
        const page = await this.call<{ Records: DynamoDBRecord[]; NextShardIterator?: string }>(
          'DynamoDBStreams_20120810.GetRecords',
          { ShardIterator: iterator },
        );
        records.push(...page.Records);
        iterator = page.NextShardIterator;
        if (page.Records.length === 0) break;
      }
      this.iterators.set(ShardId, iterator);
    }
    return records.sort((a, b) =>
      (a.dynamodb?.SequenceNumber ?? '').localeCompare(b.dynamodb?.SequenceNumber ?? '', undefined, {
        numeric: true,
      }),
    );
  }

  private async call<T>(target: string, body: unknown): Promise<T> {
    const date = new Date().toISOString().slice(0, 10).replace(/-/g, '');
    const response = await fetch(this.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': target,
        // DynamoDB Local keeps one database per access key and region: use the handlers' ones.
        authorization: `AWS4-HMAC-SHA256 Credential=${LOCAL_CREDENTIALS.accessKeyId}/${date}/${LOCAL_REGION}/dynamodb/aws4_request, SignedHeaders=host, Signature=0`,
      },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${target} failed: ${response.status} ${text}`);
    return JSON.parse(text) as T;
  }
}

export function streamEvent(records: DynamoDBRecord[]): DynamoDBStreamEvent {
  return { Records: records.map((record) => ({ ...record, eventSourceARN: 'arn:aws:dynamodb:local' })) };
}
