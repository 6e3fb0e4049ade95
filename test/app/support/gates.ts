/**
 * Races decided by the test, not by timing: a Gate holds chosen operations (a DynamoDB command, a
 * SQL statement) until the test opens it, and the wrappers below put gates in front of the real
 * clients without touching the code under test.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { GetCommand } from '@aws-sdk/lib-dynamodb';
import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Pool, PoolClient } from 'pg';
import type { ProfileRepository } from '../../../lambda/domain/profile-service';
import type { SqlRunner } from '../../../lambda/domain/schema-migrations';

export class Gate {
  private held: (() => void)[] = [];
  private watchers: { count: number; resolve: () => void }[] = [];
  private arrivals = 0;
  private opened = false;

  /** @param capacity how many operations it holds; later ones pass straight through. */
  constructor(private readonly capacity = Number.POSITIVE_INFINITY) {}

  /** Called by a gated operation: returns once the test opens the gate. */
  async pass(): Promise<void> {
    if (this.opened || this.arrivals >= this.capacity) return;
    this.arrivals += 1;
    const released = new Promise<void>((resolve) => this.held.push(resolve));
    for (const watcher of this.watchers.filter((candidate) => candidate.count <= this.arrivals)) {
      watcher.resolve();
    }
    this.watchers = this.watchers.filter((watcher) => watcher.count > this.arrivals);
    await released;
  }

  /** Resolves once `count` operations have been stopped at the gate; fails if they never come. */
  arrived(count = 1, timeoutMs = 10_000): Promise<void> {
    if (this.arrivals >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.arrivals} of ${count} operations reached the gate`)),
        timeoutMs,
      );
      this.watchers.push({
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  /** Lets the held operations go, and every later one. */
  open(): void {
    this.opened = true;
    for (const release of this.held) release();
    this.held = [];
  }
}

type DocumentCommand = GetCommand | PutCommand | UpdateCommand | DeleteCommand;

/** The document client, with every command that `matches` held at `gate` before it is sent. */
export function gatedDocuments(
  documents: DynamoDBDocumentClient,
  gate: Gate,
  matches: (command: DocumentCommand) => boolean,
): DynamoDBDocumentClient {
  const send = async (command: DocumentCommand): Promise<unknown> => {
    if (matches(command)) await gate.pass();
    return documents.send(command as UpdateCommand);
  };
  return new Proxy(documents, {
    get: (target, property, receiver): unknown =>
      property === 'send' ? send : Reflect.get(target, property, receiver),
  });
}

const keyOf = (command: DocumentCommand): string => {
  const input = command.input as { Key?: { pk?: unknown }; Item?: { pk?: unknown } };
  const pk = input.Key?.pk ?? input.Item?.pk;
  return typeof pk === 'string' ? pk : '';
};
const values = (command: DocumentCommand): unknown[] =>
  Object.values((command.input as { ExpressionAttributeValues?: object }).ExpressionAttributeValues ?? {});

/** The write that moves a photo to `status` (READY or REJECTED). */
export const photoStatusWrite =
  (status: 'PROCESSING' | 'READY' | 'REJECTED') =>
  (command: DocumentCommand): boolean =>
    command instanceof UpdateCommand &&
    keyOf(command).startsWith('PHOTO#') &&
    values(command).includes(status);

/** The delete of a photo item. */
export const photoDelete = (command: DocumentCommand): boolean =>
  command instanceof DeleteCommand && keyOf(command).startsWith('PHOTO#');

/** The write that takes an upload slot in an existing slot item. */
export const slotReservation = (command: DocumentCommand): boolean =>
  command instanceof UpdateCommand &&
  keyOf(command).startsWith('UPLOADS#') &&
  command.input.UpdateExpression?.startsWith('SET pending.') === true;

/** The write that drops expired slots (and gives back a released one). */
export const slotRemoval = (command: DocumentCommand): boolean =>
  command instanceof UpdateCommand &&
  keyOf(command).startsWith('UPLOADS#') &&
  command.input.UpdateExpression?.startsWith('REMOVE ') === true;

/** The write that creates a user's slot item with their first slot. */
export const slotItemCreation = (command: DocumentCommand): boolean =>
  command instanceof PutCommand && keyOf(command).startsWith('UPLOADS#');

/** The pool, with every statement of a checked-out client that `matches` held at `gate`. */
export function gatedPool(pool: Pool, gate: Gate, matches: (sql: string) => boolean): Pool {
  const gatedClient = (client: PoolClient): PoolClient =>
    new Proxy(client, {
      get: (target, property, receiver): unknown => {
        if (property !== 'query') return Reflect.get(target, property, receiver);
        return async (...args: unknown[]): Promise<unknown> => {
          if (typeof args[0] === 'string' && matches(args[0])) await gate.pass();
          return (target.query as (...queryArgs: unknown[]) => Promise<unknown>)(...args);
        };
      },
    });
  return new Proxy(pool, {
    get: (target, property, receiver): unknown =>
      property === 'connect'
        ? async (): Promise<PoolClient> => gatedClient(await target.connect())
        : Reflect.get(target, property, receiver),
  });
}

/** The runner, with every statement inside a transaction that `matches` held at `gate`. */
export function gatedRunner(runner: SqlRunner, gate: Gate, matches: (sql: string) => boolean): SqlRunner {
  return {
    execute: (sql, params) => runner.execute(sql, params),
    transaction: (work) =>
      runner.transaction((tx) =>
        work({
          execute: async (sql, params) => {
            if (matches(sql)) await gate.pass();
            return tx.execute(sql, params);
          },
        }),
      ),
  };
}

/**
 * The repository, with every profile read held at `gate` after the database has answered: the
 * reader then holds a row that a write can make old before the read returns.
 */
export function gatedProfileReads(repository: ProfileRepository, gate: Gate): ProfileRepository {
  return {
    get: async (userId) => {
      const profile = await repository.get(userId);
      await gate.pass();
      return profile;
    },
    getPublic: async (userId) => {
      const profile = await repository.getPublic(userId);
      await gate.pass();
      return profile;
    },
    upsert: (userId, input, now) => repository.upsert(userId, input, now),
  };
}

/**
 * Resolves 'finished' if `operation` settles, or 'waiting' as soon as PostgreSQL shows a session
 * waiting for a lock (it is then blocked behind the test's open transaction). Polls pg_locks:
 * the answer is read from the server, never guessed from elapsed time.
 */
export async function finishedOrWaitingForLock(
  db: Pool,
  operation: Promise<unknown>,
): Promise<'finished' | 'waiting'> {
  let settled = false;
  const finished = operation.then(
    () => 'finished' as const,
    () => 'finished' as const,
  );
  void finished.then(() => {
    settled = true;
  });
  const waiting = (async (): Promise<'waiting' | 'finished'> => {
    const deadline = Date.now() + 10_000;
    while (!settled) {
      const { rows } = await db.query<{ waiting: number }>(
        'SELECT count(*)::int AS waiting FROM pg_locks WHERE NOT granted',
      );
      if (rows[0].waiting > 0) return 'waiting';
      if (Date.now() > deadline) throw new Error('Neither finished nor waiting for a lock within 10 s');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return 'finished';
  })();
  return Promise.race([finished, waiting]);
}

/**
 * The document client, where the first request that `matches` (the low-level command name and
 * its marshalled input) reaches DynamoDB and is applied, but its answer is lost: the client sees a
 * timeout, which the SDK's retry strategy treats as transient and retries. The middleware sits in
 * the deserialize step, inside the retry loop of the finalize step, so the retry is the SDK's own.
 * Returns the same client; `lost` counts the answers dropped.
 */
export function losingFirstAnswer(
  documents: DynamoDBDocumentClient,
  matches: (commandName: string, input: string) => boolean,
): { documents: DynamoDBDocumentClient; lost: () => number } {
  let lost = 0;
  documents.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (lost === 0 && matches(String(context.commandName), JSON.stringify(args.input))) {
        lost += 1;
        throw Object.assign(new Error('The answer was lost on the way back'), {
          name: 'TimeoutError',
          $metadata: {},
        });
      }
      return result;
    },
    { step: 'deserialize', name: 'loseFirstAnswer' },
  );
  return { documents, lost: () => lost };
}
