/** What the hang probes call, per dependency; shared by the probe and the benchmark that runs it. */
import { FUNCTIONS, type FunctionKey } from '../../contract/functions';

export const HANG_DEPENDENCIES = ['DynamoDB', 'S3', 'PostgreSQL', 'Redis'] as const;
export type HangDependency = (typeof HANG_DEPENDENCIES)[number];

/** The data a probe's call needs, made by the benchmark on the live engines beforehand. */
export interface HangScenario {
  readonly caller: string;
  /** A profile that exists: a hung cache must still answer it from the database, a hung database not at all. */
  readonly profileUserId: string;
  readonly bucketName: string;
  /** An uploaded object of a PENDING photo: upload-complete reads it from S3. */
  readonly pendingObjectKey: string;
  readonly pendingObjectSize: number;
}

/** The function each probe calls, whose timeout its answer must beat. */
export const HANG_FUNCTION: Record<HangDependency, FunctionKey> = {
  DynamoDB: 'photosApi',
  S3: 'uploadComplete',
  PostgreSQL: 'profilesApi',
  Redis: 'profilesApi',
};

export const hangTimeoutMs = (dependency: HangDependency): number =>
  FUNCTIONS[HANG_FUNCTION[dependency]].timeoutSeconds * 1000;

/** The answer each probe must get: 503 where the dependency is required, the database's 200 where the cache is optional. */
export const HANG_EXPECTED: Record<HangDependency, string> = {
  DynamoDB: 'GET /feed answered 503',
  S3: 'upload-complete failed: Photo storage is temporarily unavailable',
  PostgreSQL: 'GET /me answered 503',
  Redis: 'GET /users/{userId} answered 200',
};
