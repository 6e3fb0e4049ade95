import serializer from '../infra/helpers/mask-volatile';

/** What the serializer hands Jest's printer, instead of the printed text. */
function masked(template: object): Record<string, any> {
  let printed: unknown;
  serializer.serialize(template, {}, '', 0, [], (value) => {
    printed = value;
    return '';
  });
  return printed as Record<string, any>;
}

const hash = 'ab'.repeat(32);

describe('the snapshot serializer', () => {
  it('masks asset hashes, keeping the extension, and the migrations hash by its key', () => {
    const template = {
      Resources: {
        Fn: { Properties: { Code: { S3Key: `${hash}.zip` }, Handler: 'index.handler' } },
        Migrations: { Properties: { MigrationsHash: 'not-hex-at-all' } },
      },
      Parameters: { Asset: { Default: `cdk-assets/${hash}.json` } },
    };
    expect(masked(template)).toEqual({
      Resources: {
        Fn: { Properties: { Code: { S3Key: '[ASSET HASH].zip' }, Handler: 'index.handler' } },
        Migrations: { Properties: { MigrationsHash: '[MIGRATIONS HASH]' } },
      },
      Parameters: { Asset: { Default: 'cdk-assets/[ASSET HASH].json' } },
    });
  });

  it('leaves shorter hex strings alone: a commit id or a logical id suffix is infrastructure', () => {
    const commit = 'c0ffee'.repeat(6) + 'abcd';
    const template = { Resources: { R: { Properties: { Description: commit, Id: 'Bucket83908E77' } } } };
    expect(masked(template)).toEqual(template);
  });

  it('takes templates only, and a template once: the masked copy goes back to the printer', () => {
    expect(serializer.test({ Resources: {} })).toBe(true);
    expect(serializer.test({ Outputs: {} })).toBe(false);
    expect(serializer.test('Resources')).toBe(false);
    expect(serializer.test(null)).toBe(false);
    // Without this, the printer would hand the masked copy back to the serializer, forever.
    expect(serializer.test(masked({ Resources: {} }))).toBe(false);
  });
});
