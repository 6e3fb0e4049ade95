/**
 * The only module that reads process.env. Each entry point parses its function's variables once,
 * at module scope, with `environmentOf(FUNCTIONS.x)`: every group the contract declares for that
 * function (contract/functions.ts, contract/environment.ts) is checked, so a missing or malformed
 * variable fails the cold start with a clear message instead of a request with a confusing one,
 * and a handler can only read the groups its function is given.
 */
import {
  ENVIRONMENT_GROUPS,
  type EnvironmentGroup,
  type ParsedGroup,
  type VariableDeclaration,
} from '../../contract/environment';
import type { FunctionDeclaration, GroupsOf } from '../../contract/functions';

type Env = Record<string, string | undefined>;

export class ConfigurationError extends Error {}

function parseVariable(
  env: Env,
  name: string,
  declaration: VariableDeclaration,
): string | number | boolean | undefined {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') {
    if (declaration.optional) return declaration.kind === 'flag' ? false : undefined;
    throw new ConfigurationError(`Environment variable ${name} is required`);
  }
  switch (declaration.kind) {
    case 'text':
      return raw;
    case 'flag':
      if (raw !== 'true' && raw !== 'false') {
        throw new ConfigurationError(`Environment variable ${name} must be "true" or "false"`);
      }
      return raw === 'true';
    case 'integer': {
      if (!/^\d+$/.test(raw)) throw new ConfigurationError(`Environment variable ${name} must be an integer`);
      const value = Number(raw);
      if (value < declaration.min || value > declaration.max) {
        throw new ConfigurationError(
          `Environment variable ${name} must be between ${declaration.min} and ${declaration.max}`,
        );
      }
      return value;
    }
  }
}

/** Parses one group's variables as the contract declares them. */
export function readGroup<G extends EnvironmentGroup>(group: G, env: Env = process.env): ParsedGroup<G> {
  const declarations: Record<string, VariableDeclaration> = ENVIRONMENT_GROUPS[group];
  return Object.fromEntries(
    Object.entries(declarations).map(([name, declaration]) => [name, parseVariable(env, name, declaration)]),
  ) as ParsedGroup<G>;
}

/** Parsed groups by name. */
export type Groups<G extends EnvironmentGroup> = { readonly [K in G]: ParsedGroup<K> };
export type FunctionEnvironment<F extends FunctionDeclaration> = Groups<GroupsOf<F>>;

/** Every group of one function, parsed; the cold start fails on the first bad variable. */
export function environmentOf<F extends FunctionDeclaration>(
  fn: F,
  env: Env = process.env,
): FunctionEnvironment<F> {
  return Object.fromEntries(
    fn.environment.map((group) => [group, readGroup(group, env)]),
  ) as FunctionEnvironment<F>;
}

export interface AwsConfig {
  readonly region: string;
}

/** Set by the Lambda runtime (and by the local tools), not by the stacks. */
export function awsConfig(env: Env = process.env): AwsConfig {
  const region = env.AWS_REGION?.trim() || env.AWS_DEFAULT_REGION?.trim();
  return { region: region || 'us-east-1' };
}

export interface PhotoStoreConfig {
  readonly tableName: string;
  /** The feed index's layout (lambda/adapters/photo-table.ts). */
  readonly feed: { readonly shards: number; readonly readLegacyPartition: boolean };
  readonly bucketName: string;
  /** Local emulators only (s3rver); never set in AWS. */
  readonly s3ForcePathStyle: boolean;
}

export interface PhotosApiConfig extends PhotoStoreConfig {
  readonly uploadUrlExpirySeconds: number;
  readonly pendingUploadTtlSeconds: number;
  readonly downloadUrlExpirySeconds: number;
  readonly maxPendingUploadsPerUser: number;
}

export interface DatabaseConfig {
  /** The writer (through the proxy): writes and reads that must see the latest write. */
  readonly host: string;
  /** Reads that tolerate replica lag; the writer's host where the stage has no readers. */
  readonly readerHost: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly tls: boolean;
}

export interface CacheConfig {
  readonly host: string;
  readonly port: number;
  readonly tls: boolean;
  /** IAM authentication (ElastiCache); absent locally, where the server needs no credentials. */
  readonly iamAuth?: { readonly cacheId: string; readonly userId: string };
  /** Lifetime of a filled entry; functions that only invalidate have none. */
  readonly ttlSeconds?: number;
}

export interface MigrationsConfig {
  readonly clusterArn: string;
  readonly secretArn: string;
  readonly database: string;
}

export function photoStoreConfig(
  table: ParsedGroup<'photoTable'>,
  bucket: ParsedGroup<'photoBucket'>,
): PhotoStoreConfig {
  return {
    tableName: table.TABLE_NAME,
    feed: { shards: table.FEED_SHARDS, readLegacyPartition: table.FEED_READ_LEGACY_PARTITION },
    bucketName: bucket.BUCKET_NAME,
    s3ForcePathStyle: bucket.S3_FORCE_PATH_STYLE,
  };
}

export function photosApiConfig(env: Groups<'photoTable' | 'photoBucket' | 'uploads'>): PhotosApiConfig {
  const { uploads } = env;
  const config = {
    ...photoStoreConfig(env.photoTable, env.photoBucket),
    uploadUrlExpirySeconds: uploads.UPLOAD_URL_EXPIRY_SECONDS,
    pendingUploadTtlSeconds: uploads.PENDING_UPLOAD_TTL_SECONDS,
    downloadUrlExpirySeconds: uploads.DOWNLOAD_URL_EXPIRY_SECONDS,
    maxPendingUploadsPerUser: uploads.MAX_PENDING_UPLOADS_PER_USER,
  };
  // Otherwise a pending item could expire (and its upload be deleted as an orphan) while its
  // upload URL is still valid.
  if (config.pendingUploadTtlSeconds < config.uploadUrlExpirySeconds) {
    throw new ConfigurationError('PENDING_UPLOAD_TTL_SECONDS must be at least UPLOAD_URL_EXPIRY_SECONDS');
  }
  return config;
}

export function databaseConfig(database: ParsedGroup<'database'>): DatabaseConfig {
  return {
    host: database.DB_HOST,
    readerHost: database.DB_READER_HOST,
    port: database.DB_PORT,
    database: database.DB_NAME,
    user: database.DB_USER,
    tls: database.DB_TLS,
  };
}

export function cacheConfig(
  cache: ParsedGroup<'cache'>,
  caching?: ParsedGroup<'profileCaching'>,
): CacheConfig {
  const userId = cache.CACHE_IAM_USER;
  if (userId !== undefined && cache.CACHE_ID === undefined) {
    // The token is signed for the replication group, so the user comes with its id.
    throw new ConfigurationError('Environment variable CACHE_ID is required');
  }
  return {
    host: cache.CACHE_HOST,
    port: cache.CACHE_PORT,
    tls: cache.CACHE_TLS,
    ...(userId === undefined || cache.CACHE_ID === undefined
      ? {}
      : { iamAuth: { cacheId: cache.CACHE_ID, userId } }),
    ...(caching ? { ttlSeconds: caching.CACHE_TTL_SECONDS } : {}),
  };
}

/** Whether the function's Region serves writes (contract/environment.ts, group `serving`). */
export function servingConfig(serving: ParsedGroup<'serving'>): { readonly readOnly: boolean } {
  return { readOnly: serving.READ_ONLY };
}

export function migrationsConfig(migrations: ParsedGroup<'migrations'>): MigrationsConfig {
  return {
    clusterArn: migrations.DB_CLUSTER_ARN,
    secretArn: migrations.DB_SECRET_ARN,
    database: migrations.DB_NAME,
  };
}
