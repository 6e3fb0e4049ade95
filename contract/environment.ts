/**
 * Every environment variable a function reads, declared once, in groups: the resource or setting
 * each group describes. The stacks set a function's variables through typed bindings
 * (lib/constructs/app-function.ts), the handlers parse them through lambda/shared/env.ts, and the
 * local server and the benchmark build theirs from the same types, so a variable that one side
 * renames or forgets fails the type check.
 */

export interface TextVariable {
  readonly kind: 'text';
  readonly doc: string;
  /** Absent means something (stated in `doc`); otherwise the function refuses to start. */
  readonly optional?: true;
}

export interface IntegerVariable {
  readonly kind: 'integer';
  readonly doc: string;
  readonly min: number;
  readonly max: number;
  readonly optional?: true;
}

export interface FlagVariable {
  readonly kind: 'flag';
  readonly doc: string;
  /** `true` or `false`; absent means `false`. */
  readonly optional?: true;
}

export type VariableDeclaration = TextVariable | IntegerVariable | FlagVariable;

const DAY_SECONDS = 24 * 3600;
/** Most write shards the feed index may have: a feed page costs one query per shard. */
export const MAX_FEED_SHARDS = 32;

export const ENVIRONMENT_GROUPS = {
  photoTable: {
    TABLE_NAME: { kind: 'text', doc: 'Name of the photo table.' },
    FEED_SHARDS: {
      kind: 'integer',
      min: 1,
      max: MAX_FEED_SHARDS,
      doc: 'Partitions the feed index spreads READY photos over (FEED#0 .. FEED#<n-1>); a feed page reads them all.',
    },
    FEED_READ_LEGACY_PARTITION: {
      kind: 'flag',
      doc: 'Feed reads also read the unsharded partition FEED, until the reshard step has emptied it.',
    },
  },
  photoBucket: {
    BUCKET_NAME: { kind: 'text', doc: 'Name of the photo bucket.' },
    S3_FORCE_PATH_STYLE: {
      kind: 'flag',
      optional: true,
      doc: 'Path-style S3 URLs, for the local emulator (s3rver); never set in AWS.',
    },
  },
  uploads: {
    UPLOAD_URL_EXPIRY_SECONDS: {
      kind: 'integer',
      min: 1,
      max: 7 * DAY_SECONDS,
      doc: 'Lifetime of a presigned upload URL.',
    },
    PENDING_UPLOAD_TTL_SECONDS: {
      kind: 'integer',
      min: 60,
      max: 30 * DAY_SECONDS,
      doc: 'How long a PENDING photo waits for its upload before TTL removes it; at least the URL lifetime.',
    },
    DOWNLOAD_URL_EXPIRY_SECONDS: {
      kind: 'integer',
      min: 1,
      max: 7 * DAY_SECONDS,
      doc: 'Lifetime of a presigned download URL.',
    },
    MAX_PENDING_UPLOADS_PER_USER: {
      kind: 'integer',
      min: 1,
      max: 1000,
      doc: 'Uploads one user may have in flight at once.',
    },
  },
  database: {
    DB_HOST: { kind: 'text', doc: 'RDS Proxy endpoint, or the cluster writer where the stage has no proxy.' },
    DB_READER_HOST: {
      kind: 'text',
      doc: "Host of reads that tolerate replica lag: the proxy's read-only endpoint (or the cluster reader endpoint without a proxy) where the stage has readers, else DB_HOST.",
    },
    DB_PORT: { kind: 'integer', min: 1, max: 65535, doc: 'PostgreSQL port.' },
    DB_NAME: { kind: 'text', doc: 'Database of the profiles.' },
    DB_USER: { kind: 'text', doc: 'Database user the function signs in as with an IAM token.' },
    DB_TLS: { kind: 'flag', doc: 'TLS to the database; `false` only for the local engine.' },
    NODE_EXTRA_CA_CERTS: {
      kind: 'text',
      optional: true,
      doc: "Read by Node.js itself: the RDS CA bundle, needed only without a proxy (Aurora's own certificates).",
    },
  },
  cache: {
    CACHE_HOST: { kind: 'text', doc: 'Primary endpoint of the cache (ElastiCache for Valkey).' },
    CACHE_PORT: { kind: 'integer', min: 1, max: 65535, doc: 'Cache port.' },
    CACHE_TLS: { kind: 'flag', doc: 'TLS to the cache; `false` only for the local engine.' },
    CACHE_ID: {
      kind: 'text',
      optional: true,
      doc: 'Replication group id that IAM tokens are signed for; required with CACHE_IAM_USER.',
    },
    CACHE_IAM_USER: {
      kind: 'text',
      optional: true,
      doc: 'Cache user that signs in with IAM; absent locally, where the server needs no credentials.',
    },
  },
  profileCaching: {
    CACHE_TTL_SECONDS: {
      kind: 'integer',
      min: 1,
      max: 7 * DAY_SECONDS,
      doc: 'Lifetime of a cached profile (a jitter of up to 10 % is added).',
    },
  },
  serving: {
    READ_ONLY: {
      kind: 'flag',
      optional: true,
      doc: "The function's Region is a standby (disaster recovery): write routes answer 503 and every database read goes to DB_READER_HOST. Absent where the Region serves writes.",
    },
  },
  migrations: {
    DB_CLUSTER_ARN: { kind: 'text', doc: 'Cluster the Data API runs the migrations on.' },
    DB_SECRET_ARN: { kind: 'text', doc: "The cluster's admin secret, for the Data API." },
    DB_NAME: { kind: 'text', doc: 'Database of the profiles.' },
  },
} as const satisfies Record<string, Record<string, VariableDeclaration>>;

export type EnvironmentGroup = keyof typeof ENVIRONMENT_GROUPS;
type Declarations<G extends EnvironmentGroup> = (typeof ENVIRONMENT_GROUPS)[G];
type OptionalNames<D> = { [V in keyof D]: D[V] extends { readonly optional: true } ? V : never }[keyof D];

/** What a stack sets for a group: strings, the optional ones optional. */
export type GroupVariables<G extends EnvironmentGroup> = {
  readonly [V in Exclude<keyof Declarations<G>, OptionalNames<Declarations<G>>>]: string;
} & { readonly [V in OptionalNames<Declarations<G>>]?: string };

type Parsed<D> = D extends { readonly kind: 'integer' }
  ? number
  : D extends { readonly kind: 'flag' }
    ? boolean
    : string;

/** What a handler reads for a group: typed values; absent optional text is `undefined`, an absent flag `false`. */
export type ParsedGroup<G extends EnvironmentGroup> = {
  readonly [V in keyof Declarations<G>]: Declarations<G>[V] extends {
    readonly kind: 'text';
    readonly optional: true;
  }
    ? string | undefined
    : Parsed<Declarations<G>[V]>;
};

type UnionToIntersection<U> = (U extends unknown ? (arg: U) => void : never) extends (arg: infer I) => void
  ? I
  : never;

/** The variables of several groups together (one function's, or the local server's for all). */
export type VariablesOf<G extends EnvironmentGroup> = UnionToIntersection<
  G extends EnvironmentGroup ? GroupVariables<G> : never
>;
export type ParsedOf<G extends EnvironmentGroup> = UnionToIntersection<
  G extends EnvironmentGroup ? ParsedGroup<G> : never
>;
