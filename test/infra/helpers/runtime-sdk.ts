/**
 * Builds the handler bundles exactly as AppFunction deploys them and loads each one in a fresh
 * Node.js process that can resolve packages from runtime-sdk/node_modules only: a stand-in for the
 * AWS SDK that the Lambda runtime ships (runtime-sdk/package.json pins it, the test says why).
 */
import type { EnvironmentGroup, VariablesOf } from '../../../contract/environment';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { isBuiltin } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { FUNCTIONS } from '../../../contract/functions';
import { PROJECT_ROOT } from '../../../lib/constructs/app-function';
import { IMAGE_LIBRARY_DIR } from '../../../lib/constructs/image-library-layer';
import { bundleHandler } from '../../../scripts/bench/build';

const RUNTIME_SDK_DIR = path.join(PROJECT_ROOT, 'runtime-sdk');
const HANDLERS_DIR = path.join(PROJECT_ROOT, 'lambda', 'handlers');

/**
 * The handlers that Lambda gives the image library layer (lib/stacks/api-stack.ts), and what it
 * provides: its packages resolve from /opt/nodejs/node_modules, which is on Lambda's NODE_PATH.
 */
export const LAYER_PACKAGES: Readonly<Record<string, readonly string[]>> = {
  [FUNCTIONS.photoProcessor.name]: ['sharp'],
};

/** Dummy values for every variable the contract declares (typed by it); none is dialled. */
const APP_VARIABLES: VariablesOf<EnvironmentGroup> = {
  TABLE_NAME: 'photos',
  FEED_SHARDS: '2',
  FEED_READ_LEGACY_PARTITION: 'false',
  BUCKET_NAME: 'photos-bucket',
  UPLOAD_URL_EXPIRY_SECONDS: '300',
  PENDING_UPLOAD_TTL_SECONDS: '3600',
  DOWNLOAD_URL_EXPIRY_SECONDS: '300',
  MAX_PENDING_UPLOADS_PER_USER: '20',
  DB_HOST: 'proxy.invalid',
  DB_READER_HOST: 'proxy-read-only.invalid',
  DB_PORT: '5432',
  DB_NAME: 'photos',
  DB_USER: 'app_user',
  DB_TLS: 'true',
  CACHE_HOST: 'cache.invalid',
  CACHE_PORT: '6380',
  CACHE_TLS: 'true',
  // Set as in AWS, so that the IAM token signer (the deep SDK imports) is built at load.
  CACHE_ID: 'photoapp-cache',
  CACHE_IAM_USER: 'photoapp-app',
  CACHE_TTL_SECONDS: '300',
  DB_CLUSTER_ARN: 'arn:aws:rds:eu-west-1:123456789012:cluster:photos',
  DB_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:photos',
};
const HANDLER_ENVIRONMENT: Readonly<Record<string, string>> = {
  ...APP_VARIABLES,
  AWS_REGION: 'eu-west-1',
  POWERTOOLS_METRICS_NAMESPACE: 'PhotoApp',
};

export interface HandlerBundle {
  readonly handler: string;
  readonly file: string;
  /** What the bundle imports from outside itself, Node.js built-ins left out; sorted. */
  readonly externalImports: readonly string[];
}

export interface LoadResult {
  /** `typeof` the module's `handler` export. */
  readonly handlerType: string;
  /** The error `require` threw, first line, or null. */
  readonly error: string | null;
  /** Loaded files that lie outside the sandbox (there must be none). */
  readonly foreignFiles: readonly string[];
  /** How many loaded files came from the runtime SDK. */
  readonly runtimeSdkFiles: number;
}

/** A temporary folder whose node_modules is runtime-sdk/node_modules, and nothing above it. */
export interface RuntimeSandbox {
  readonly dir: string;
  /** The layer's `nodejs/node_modules` as a function with the image library layer finds it. */
  readonly layerModules: string;
  remove(): void;
}

export function handlerNames(): string[] {
  return fs
    .readdirSync(HANDLERS_DIR)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.slice(0, -'.ts'.length))
    .sort();
}

/** The packages runtime-sdk/package.json pins, with their versions. */
export function runtimeSdkPins(): Record<string, string> {
  const manifest = JSON.parse(fs.readFileSync(path.join(RUNTIME_SDK_DIR, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  return manifest.dependencies ?? {};
}

/** `@scope/name/deep/path` -> `@scope/name`; `name/deep` -> `name`. */
export function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

export function createRuntimeSandbox(): RuntimeSandbox {
  const modules = path.join(RUNTIME_SDK_DIR, 'node_modules');
  if (!fs.existsSync(path.join(modules, '.package-lock.json'))) {
    throw new Error('runtime-sdk/node_modules is missing: run npm ci (its postinstall installs it)');
  }
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'runtime-sdk-')));
  fs.symlinkSync(modules, path.join(dir, 'node_modules'), 'junction');
  return {
    dir,
    layerModules: imageLibraryStandIn(dir),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * The image library layer as this machine can load it: the layer's own packages, except that its
 * linux-arm64 binaries, which cannot run here, are replaced by the same version's binaries for this
 * machine from the project's node_modules (test/infra/image-library-layer.test.ts checks the
 * layer's versions and platform). Links inside the sandbox, so that --preserve-symlinks keeps every
 * loaded path there.
 */
function imageLibraryStandIn(sandbox: string): string {
  const layer = path.join(IMAGE_LIBRARY_DIR, 'nodejs', 'node_modules');
  const host = path.join(PROJECT_ROOT, 'node_modules');
  const standIn = path.join(sandbox, 'opt', 'nodejs', 'node_modules');
  const packages = fs
    .readdirSync(layer)
    .filter((name) => !name.startsWith('.'))
    .flatMap((name) =>
      name.startsWith('@')
        ? fs.readdirSync(path.join(layer, name)).map((inner) => `${name}/${inner}`)
        : [name],
    );
  const platformPackage = /^@img\/sharp-(libvips-)?linux-arm64$/;
  const hostPlatform = fs
    .readdirSync(path.join(host, '@img'))
    .filter(
      (name) => /^sharp-(libvips-)?[a-z]+\d*-[a-z0-9]+$/.test(name) && !name.startsWith('sharp-libvips-dev'),
    )
    .map((name) => `@img/${name}`);
  for (const name of [...packages.filter((p) => !platformPackage.test(p)), ...hostPlatform]) {
    const source =
      packages.includes(name) && !platformPackage.test(name) ? path.join(layer, name) : path.join(host, name);
    fs.mkdirSync(path.dirname(path.join(standIn, name)), { recursive: true });
    fs.symlinkSync(source, path.join(standIn, name), 'junction');
  }
  return standIn;
}

/** Bundles one handler with the options AppFunction hands to CDK's NodejsFunction (CommonJS). */
export async function buildHandlerBundle(handler: string, outDir: string): Promise<HandlerBundle> {
  const file = path.join(outDir, handler, 'index.js');
  const metafile = await bundleHandler(handler, file);
  const output = Object.entries(metafile.outputs).find(([out]) => out.endsWith('index.js'));
  if (!output) throw new Error(`esbuild wrote no bundle for ${handler}`);
  const externalImports = new Set(
    output[1].imports.filter((i) => i.external && !isBuiltin(i.path)).map((i) => i.path),
  );
  return { handler, file, externalImports: [...externalImports].sort() };
}

/**
 * Requires the bundle in a fresh process, as Lambda's cold start does. `--preserve-symlinks` keeps
 * every resolved path inside the sandbox, so a package missing from runtime-sdk cannot be found in
 * the project's own node_modules; the environment is the function's, not this shell's (NODE_PATH
 * and HOME would add folders to search).
 */
export function loadBundle(sandbox: RuntimeSandbox, bundle: HandlerBundle): LoadResult {
  const probe = `
    let handlerType = 'undefined';
    let error = null;
    try {
      handlerType = typeof require(${JSON.stringify(bundle.file)}).handler;
    } catch (e) {
      error = (e.code ? e.code + ': ' : '') + String(e.message).split('\\n')[0];
    }
    process.stdout.write(JSON.stringify({ handlerType, error, loaded: Object.keys(require.cache) }));
    process.exit(0);
  `;
  const child = spawnSync(process.execPath, ['--preserve-symlinks', '--enable-source-maps', '-e', probe], {
    cwd: sandbox.dir,
    encoding: 'utf8',
    timeout: 30_000,
    env: {
      ...HANDLER_ENVIRONMENT,
      HOME: sandbox.dir,
      POWERTOOLS_SERVICE_NAME: bundle.handler,
      // As Lambda sets it for a function with layers; the others get no layer folder at all.
      ...(LAYER_PACKAGES[bundle.handler] ? { NODE_PATH: sandbox.layerModules } : {}),
    },
  });
  if (child.status !== 0) {
    throw new Error(
      `node exited with ${child.status ?? child.signal} loading ${bundle.handler}:\n${child.stderr}`,
    );
  }
  const report = JSON.parse(child.stdout) as { handlerType: string; error: string | null; loaded: string[] };
  const sdkRoot = path.join(sandbox.dir, 'node_modules') + path.sep;
  return {
    handlerType: report.handlerType,
    error: report.error,
    foreignFiles: report.loaded.filter((f) => !f.startsWith(sandbox.dir + path.sep)),
    runtimeSdkFiles: report.loaded.filter((f) => f.startsWith(sdkRoot)).length,
  };
}
