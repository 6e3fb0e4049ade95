/**
 * Jest snapshot serializer for CloudFormation templates: replaces asset
 * hashes (S3 keys of Lambda bundles, asset parameters) and the content hash of
 * the schema migrations with placeholders, so that editing a handler changes
 * no snapshot while any change to the infrastructure still does.
 */
const ASSET_HASH = /[0-9a-f]{64}(\.zip|\.json)?/g;
const MIGRATIONS_HASH_KEY = 'MigrationsHash';

function mask(value: unknown, key?: string): unknown {
  if (typeof value === 'string') {
    if (key === MIGRATIONS_HASH_KEY) {
      return '[MIGRATIONS HASH]';
    }
    return value.replace(ASSET_HASH, (_m, ext: string | undefined) => `[ASSET HASH]${ext ?? ''}`);
  }
  if (Array.isArray(value)) {
    return value.map((item) => mask(item));
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mask(v, k)]));
  }
  return value;
}

const MASKED = Symbol.for('photo-app.masked-template');

const serializer = {
  test(value: unknown): boolean {
    return (
      value !== null &&
      typeof value === 'object' &&
      !(value as Record<symbol, unknown>)[MASKED] &&
      'Resources' in value
    );
  },
  serialize(
    value: object,
    config: unknown,
    indentation: string,
    depth: number,
    refs: unknown,
    printer: (v: unknown, c: unknown, i: string, d: number, r: unknown) => string,
  ): string {
    const masked = mask(value) as Record<symbol, unknown>;
    Object.defineProperty(masked, MASKED, { value: true, enumerable: false });
    return printer(masked, config, indentation, depth, refs);
  },
};

export = serializer;
