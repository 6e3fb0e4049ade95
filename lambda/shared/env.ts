/**
 * The only module that reads process.env. Each entry point parses its configuration once, at module
 * scope, so a missing or malformed variable fails the cold start with a clear message instead of a
 * request with a confusing one.
 */
type Env = Record<string, string | undefined>;

export class ConfigurationError extends Error {}

function required(env: Env, name: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') {
    throw new ConfigurationError(`Environment variable ${name} is required`);
  }
  return value.trim();
}

function optional(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function integer(env: Env, name: string, min: number, max: number, fallback?: number): number {
  const raw = fallback === undefined ? required(env, name) : (optional(env, name) ?? String(fallback));
  if (!/^\d+$/.test(raw)) throw new ConfigurationError(`Environment variable ${name} must be an integer`);
  const value = Number(raw);
  if (value < min || value > max) {
    throw new ConfigurationError(`Environment variable ${name} must be between ${min} and ${max}`);
  }
  return value;
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  if (raw !== 'true' && raw !== 'false') {
    throw new ConfigurationError(`Environment variable ${name} must be "true" or "false"`);
  }
  return raw === 'true';
}

export interface AwsConfig {
  readonly region: string;
  /** Local emulators only (s3rver); never set in AWS. */
  readonly s3ForcePathStyle: boolean;
}

export interface PhotoStoreConfig {
  readonly tableName: string;
  readonly bucketName: string;
}

export interface PhotosApiConfig extends PhotoStoreConfig {
  readonly uploadUrlExpirySeconds: number;
  readonly pendingUploadTtlSeconds: number;
  readonly downloadUrlExpirySeconds: number;
  readonly maxPendingUploadsPerUser: number;
}

export interface DatabaseConfig {
  readonly host: string;
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
  readonly ttlSeconds: number;
}

export interface MigrationsConfig {
  readonly clusterArn: string;
  readonly secretArn: string;
  readonly database: string;
}

export function awsConfig(env: Env = process.env): AwsConfig {
  return {
    region: optional(env, 'AWS_REGION') ?? optional(env, 'AWS_DEFAULT_REGION') ?? 'us-east-1',
    s3ForcePathStyle: flag(env, 'S3_FORCE_PATH_STYLE', false),
  };
}

export function photoStoreConfig(env: Env = process.env): PhotoStoreConfig {
  return { tableName: required(env, 'TABLE_NAME'), bucketName: required(env, 'BUCKET_NAME') };
}

export function photosApiConfig(env: Env = process.env): PhotosApiConfig {
  const config = {
    ...photoStoreConfig(env),
    uploadUrlExpirySeconds: integer(env, 'UPLOAD_URL_EXPIRY_SECONDS', 1, 7 * 24 * 3600),
    pendingUploadTtlSeconds: integer(env, 'PENDING_UPLOAD_TTL_SECONDS', 60, 30 * 24 * 3600),
    downloadUrlExpirySeconds: integer(env, 'DOWNLOAD_URL_EXPIRY_SECONDS', 1, 7 * 24 * 3600),
    // The stack always sets it (lib/config.ts); the fallback only serves tools that load the
    // handler without a stage.
    maxPendingUploadsPerUser: integer(env, 'MAX_PENDING_UPLOADS_PER_USER', 1, 1000, 20),
  };
  // Otherwise a pending item could expire (and its upload be deleted as an orphan) while its
  // upload URL is still valid.
  if (config.pendingUploadTtlSeconds < config.uploadUrlExpirySeconds) {
    throw new ConfigurationError('PENDING_UPLOAD_TTL_SECONDS must be at least UPLOAD_URL_EXPIRY_SECONDS');
  }
  return config;
}

export function photoTableConfig(env: Env = process.env): { readonly tableName: string } {
  return { tableName: required(env, 'TABLE_NAME') };
}

export function bucketConfig(env: Env = process.env): { readonly bucketName: string } {
  return { bucketName: required(env, 'BUCKET_NAME') };
}

export function databaseConfig(env: Env = process.env): DatabaseConfig {
  return {
    host: required(env, 'DB_HOST'),
    port: integer(env, 'DB_PORT', 1, 65535, 5432),
    database: required(env, 'DB_NAME'),
    user: required(env, 'DB_USER'),
    tls: flag(env, 'DB_TLS', true),
  };
}

export function cacheConfig(env: Env = process.env): CacheConfig {
  const userId = optional(env, 'REDIS_IAM_USER');
  return {
    host: required(env, 'REDIS_HOST'),
    port: integer(env, 'REDIS_PORT', 1, 65535, 6379),
    tls: flag(env, 'REDIS_TLS', true),
    // The token is signed for the replication group, so the user comes with its id.
    ...(userId === undefined ? {} : { iamAuth: { cacheId: required(env, 'REDIS_CACHE_ID'), userId } }),
    ttlSeconds: integer(env, 'CACHE_TTL_SECONDS', 1, 7 * 24 * 3600, 300),
  };
}

export function migrationsConfig(env: Env = process.env): MigrationsConfig {
  return {
    clusterArn: required(env, 'DB_CLUSTER_ARN'),
    secretArn: required(env, 'DB_SECRET_ARN'),
    database: required(env, 'DB_NAME'),
  };
}
