/**
 * The targets `npm run bench -- --check` holds the project to. Kept apart from scripts/bench.ts
 * (which runs when imported) so that tests can hold the bundles to them.
 *
 * Every target but the bundle sizes and the health init is a ratio to a floor measured in the same
 * run on the same machine, or a difference to one, so that it measures the code, not the machine:
 * on loopback a Redis GET is not much cheaper than a PostgreSQL SELECT, and most of a handler's init
 * is V8 compiling the SDK any such handler must load.
 */
export const TARGETS = {
  bundleBytes: 100 * 1024,
  driverBundleBytes: 400 * 1024,
  /** A cache hit's cost beyond the raw GET on the same client configuration, at p50 (ms). */
  cacheHandlerCostP50Ms: 0.06,
  /** The same at p99 (ms). */
  cacheHandlerCostP99Ms: 0.5,
  /** Miss/hit at p50, as a share of its ceiling 2 + SELECT / GET. */
  hitMissShareOfCeiling: 0.85,
  /** A handler's module init over its floor's (the same SDK clients and drivers, nothing else). */
  initOverFloor: 1.15,
  /** The health function's init, which loads no SDK (ms). */
  healthInitMs: 30,
  /** `cdk synth` of a stage over the synth of a floor app (one empty stack, same entry and CLI). */
  synthOverFloor: 3,
} as const;
