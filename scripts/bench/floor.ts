/**
 * The floor of a handler's module init: a module that only loads and constructs the SDK clients
 * and drivers the handler constructs at init, and nothing else (no Powertools, no contract, no
 * domain code). It is bundled with the handlers' own options and timed in the same round-robin,
 * so `init handler / init floor` says what the handler's own code adds to what any handler using
 * those clients must pay, independent of how fast this machine compiles the SDK.
 *
 * Each driver is written once below, with the constructor options the adapters use where they
 * change what is loaded (the document client's marshalling, the S3 checksum settings, the cache's
 * IAM sign-in); FLOOR_DRIVERS says which drivers each function constructs at init.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Metafile } from 'esbuild';
import type { FunctionKey } from '../../contract/functions';

interface Driver {
  /** Packages the handler's bundle must reference for this driver (bundled or external). */
  readonly packages: readonly string[];
  /** Import lines. */
  readonly imports: string;
  /** Statements that construct it and keep it (`keep(...)`), so the bundler cannot drop it. */
  readonly construct: string;
}

/** A pg pool with IAM sign-in, as the database adapter builds one per host. */
function postgresPool(signer: string, host: string): Driver {
  return {
    packages: ['pg', '@aws-sdk/rds-signer'],
    imports: ["import { Signer } from '@aws-sdk/rds-signer';", "import { Pool } from 'pg';"].join('\n'),
    construct: [
      `const ${signer} = new Signer({ hostname: '${host}', port: 9, username: 'floor', region });`,
      `keep(new Pool({ host: '${host}', port: 9, password: () => ${signer}.getAuthToken(), max: 2 }));`,
    ].join('\n'),
  };
}

const DRIVERS = {
  dynamoDb: {
    packages: ['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb'],
    imports: [
      "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
      "import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';",
    ].join('\n'),
    construct: [
      'keep(DynamoDBDocumentClient.from(new DynamoDBClient({ region }), {',
      '  marshallOptions: { removeUndefinedValues: true },',
      '}));',
    ].join('\n'),
  },
  s3: {
    packages: ['@aws-sdk/client-s3', '@aws-sdk/s3-request-presigner'],
    imports: [
      "import { S3Client } from '@aws-sdk/client-s3';",
      "import { getSignedUrl } from '@aws-sdk/s3-request-presigner';",
    ].join('\n'),
    construct: [
      'keep(new S3Client({',
      '  region,',
      "  requestChecksumCalculation: 'WHEN_REQUIRED',",
      "  responseChecksumValidation: 'WHEN_REQUIRED',",
      '}));',
      'keep(getSignedUrl);',
    ].join('\n'),
  },
  postgres: postgresPool('signer', '127.0.0.1'),
  // A second pool for the cluster's readers (DB_READER_HOST), as the profiles function builds one.
  postgresReader: postgresPool('readerSigner', '127.0.0.2'),
  cache: {
    packages: ['ioredis', '@smithy/signature-v4', '@aws-sdk/credential-providers'],
    imports: [
      "import { fromNodeProviderChain } from '@aws-sdk/credential-providers';",
      "import { Sha256 } from '@smithy/core/checksum';",
      "import { HttpRequest } from '@smithy/core/protocols';",
      "import { SignatureV4 } from '@smithy/signature-v4';",
      "import Redis from 'ioredis';",
    ].join('\n'),
    construct: [
      "keep(new SignatureV4({ service: 'elasticache', region, credentials: fromNodeProviderChain(), sha256: Sha256 }));",
      'keep(HttpRequest);',
      "keep(new Redis({ host: '127.0.0.1', port: 9, lazyConnect: true }));",
    ].join('\n'),
  },
  imageLibrary: {
    // External in the bundle (the function's layer holds it): loaded from node_modules here.
    packages: ['sharp'],
    imports: "import sharp from 'sharp';",
    construct: 'sharp.cache(false);\nkeep(sharp);',
  },
  dataApi: {
    packages: ['@aws-sdk/client-rds-data'],
    imports: "import { RDSDataClient } from '@aws-sdk/client-rds-data';",
    construct: 'keep(new RDSDataClient({ region }));',
  },
} as const satisfies Record<string, Driver>;

type DriverName = keyof typeof DRIVERS;

/** What each function constructs at module init (the stream processor loads its S3 and DynamoDB adapters on first use). */
export const FLOOR_DRIVERS: Record<FunctionKey, readonly DriverName[]> = {
  health: [],
  photosApi: ['dynamoDb', 's3'],
  profilesApi: ['postgres', 'postgresReader', 'cache'],
  uploadComplete: ['dynamoDb', 's3'],
  photoProcessor: ['dynamoDb', 's3', 'imageLibrary'],
  streamProcessor: ['postgres', 'cache'],
  reconciler: ['dynamoDb', 's3', 'postgres', 'cache'],
  schemaMigrations: ['dataApi'],
};

/** The floor module's source for these drivers. */
export function floorSource(drivers: readonly DriverName[]): string {
  return [
    // Each import once, where two drivers share a package.
    ...new Set(drivers.flatMap((name) => DRIVERS[name].imports.split('\n'))),
    '',
    'const kept: unknown[] = [];',
    'const keep = (value: unknown): void => {',
    '  kept.push(value);',
    '};',
    "const region = process.env.AWS_REGION ?? 'us-east-1';",
    ...drivers.map((name) => DRIVERS[name].construct),
    'export { kept };',
    '',
  ].join('\n');
}

/** Writes the floor entry of a function into `dir` and returns its path. */
export function writeFloorEntry(dir: string, fn: FunctionKey): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${fn}-floor.ts`);
  fs.writeFileSync(file, floorSource(FLOOR_DRIVERS[fn]));
  return file;
}

/**
 * The drivers of the floor that the handler's bundle does not reference: a floor must not load
 * more than its handler, or the ratio would flatter the handler.
 */
export function driversMissingFrom(metafile: Metafile, fn: FunctionKey): string[] {
  const referenced = new Set<string>();
  for (const [file, input] of Object.entries(metafile.inputs)) {
    const bundled = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file);
    if (bundled) referenced.add(bundled[1]);
    for (const imported of input.imports) {
      if (imported.external) referenced.add(packageOf(imported.path));
    }
  }
  return FLOOR_DRIVERS[fn].flatMap((name) =>
    DRIVERS[name].packages.filter((pkg) => !referenced.has(pkg)).map((pkg) => `${name}: ${pkg}`),
  );
}

function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}
