/**
 * The functions load what APP_BUNDLING leaves external from the AWS SDK that the nodejs24.x runtime
 * ships, whose version is not ours: a deep import that SDK lacks fails every cold start, in AWS
 * only. "Runtime-included SDK versions" (Lambda developer guide, Building Lambda functions with
 * Node.js) names no version: it "depends on the runtime version and your AWS Region". So
 * runtime-sdk/ pins the oldest SDK a nodejs24.x function can meet: the releases published before
 * the runtime became available on 25 November 2025 (npm install --before=2025-11-25), since Lambda
 * only updates the runtime's SDK forward ("Deploy Node.js Lambda functions with .zip file
 * archives"). Where the guide's probe function reports an older version, pin that instead.
 */
import {
  LAYER_PACKAGES,
  buildHandlerBundle,
  createRuntimeSandbox,
  handlerNames,
  loadBundle,
  packageName,
  runtimeSdkPins,
  type HandlerBundle,
  type RuntimeSandbox,
} from './helpers/runtime-sdk';

const HANDLERS = handlerNames();
/** pg's optional native binding: pg requires it only when asked for `pg.native`, never here. */
const NEVER_LOADED = new Set(['pg-native']);

describe('handler bundles against the SDK the Lambda runtime ships', () => {
  let sandbox: RuntimeSandbox;
  const bundles = new Map<string, HandlerBundle>();

  beforeAll(async () => {
    sandbox = createRuntimeSandbox();
    for (const bundle of await Promise.all(HANDLERS.map((h) => buildHandlerBundle(h, sandbox.dir)))) {
      bundles.set(bundle.handler, bundle);
    }
  }, 120_000);

  afterAll(() => sandbox?.remove());

  it('imports from outside each bundle only packages that runtime-sdk pins, or its layer provides', () => {
    const pinned = new Set([...Object.keys(runtimeSdkPins()), ...NEVER_LOADED]);
    const unpinned = [...bundles.values()].flatMap((b) =>
      b.externalImports
        .filter(
          (i) => !pinned.has(packageName(i)) && !(LAYER_PACKAGES[b.handler] ?? []).includes(packageName(i)),
        )
        .map((i) => `${b.handler}: ${i}`),
    );
    expect(unpinned).toEqual([]);
  });

  it('pins in runtime-sdk only packages that some bundle leaves to the runtime', () => {
    const used = new Set([...bundles.values()].flatMap((b) => b.externalImports.map(packageName)));
    expect(Object.keys(runtimeSdkPins()).filter((p) => !used.has(p))).toEqual([]);
  });

  it('leaves to the image library layer exactly what the layered functions import from it', () => {
    for (const [handler, provided] of Object.entries(LAYER_PACKAGES)) {
      const imported = bundles.get(handler)?.externalImports.map(packageName) ?? [];
      expect([handler, provided.filter((p) => !imported.includes(p))]).toEqual([handler, []]);
    }
  });

  it.each(HANDLERS)(
    '%s loads with only the runtime SDK to resolve from, and exports a handler function',
    (handler) => {
      const result = loadBundle(sandbox, bundles.get(handler)!);
      expect(result).toMatchObject({ error: null, handlerType: 'function', foreignFiles: [] });
    },
    30_000,
  );
});
