/**
 * The app's functions: each one's name (its Powertools service name, its log and alarm label, the
 * local server's name for it, and its entry file's name), purpose and the environment groups it
 * reads. Stacks,
 * handlers, monitoring and the local tools take these from here.
 */
import type { EnvironmentGroup } from './environment';

export interface FunctionDeclaration {
  /** Service name in logs, metrics dimensions, alarms and dashboards. */
  readonly name: string;
  /** The Lambda function's description. */
  readonly description: string;
  /** Environment groups it reads (contract/environment.ts). */
  readonly environment: readonly EnvironmentGroup[];
  /**
   * The Lambda timeout. The handlers' dependency deadlines are sized to fit inside it (see each
   * handler's comment), and the hang tests and the benchmark hold the answers to it.
   */
  readonly timeoutSeconds: number;
}

export const FUNCTIONS = {
  health: {
    name: 'health',
    description: 'GET /health',
    environment: [],
    timeoutSeconds: 3,
  },
  photosApi: {
    name: 'photos-api',
    description: 'Photo routes: create uploads, read, list, feed and delete photo metadata',
    environment: ['photoTable', 'photoBucket', 'uploads', 'serving'],
    timeoutSeconds: 10,
  },
  profilesApi: {
    name: 'profiles-api',
    description: 'Profile routes: read and update profiles (Aurora through RDS Proxy, cache-aside)',
    environment: ['database', 'cache', 'profileCaching', 'serving'],
    timeoutSeconds: 10,
  },
  uploadComplete: {
    name: 'upload-complete',
    description:
      'Verifies an uploaded object against its pending photo and marks it PROCESSING (renditions next) or REJECTED',
    environment: ['photoTable', 'photoBucket'],
    timeoutSeconds: 30,
  },
  photoProcessor: {
    name: 'process-photo',
    description:
      'Makes the renditions of a verified photo (thumbnail and display size, metadata stripped) and marks it READY, or REJECTED with a reason',
    environment: ['photoTable', 'photoBucket'],
    // One photo per invocation. At worst: the photo read (3.3 s), the original's HEAD and GET
    // (6.3 s each, S3_DEADLINE), decoding and encoding the largest image the limits let through (a
    // 64 MP PNG: 3 s on this project's 2-core test machine, npm run processing-figures; allow 3x on
    // one vCPU), four rendition PUTs (6.3 s each) and the READY write (get and update, 6.6 s)
    // against hung dependencies: about 57 s.
    timeoutSeconds: 60,
  },
  streamProcessor: {
    name: 'stream-processor',
    description:
      'Photo table stream: photo counts, cache invalidation, clean-up of deleted and expired uploads',
    environment: ['database', 'cache', 'photoTable', 'photoBucket'],
    timeoutSeconds: 60,
  },
  reconciler: {
    name: 'reconcile-photo-changes',
    description:
      'Finishes photo changes kept during an outage: ledger, photoCount recomputed, objects deleted',
    environment: ['database', 'cache', 'photoTable', 'photoBucket'],
    timeoutSeconds: 300,
  },
  schemaMigrations: {
    name: 'schema-migrations',
    description: 'Applies versioned SQL migrations to the profile database through the RDS Data API',
    environment: ['migrations'],
    timeoutSeconds: 300,
  },
} as const satisfies Record<string, FunctionDeclaration>;

export type FunctionKey = keyof typeof FUNCTIONS;
export type AppFunctionDeclaration = (typeof FUNCTIONS)[FunctionKey];
/** The environment groups of one function. */
export type GroupsOf<F extends FunctionDeclaration> = F['environment'][number];

/** A function's entry file, relative to the project root: named after the function. */
export function entryOf(fn: FunctionDeclaration): string {
  return `lambda/handlers/${fn.name}.ts`;
}
