import { STAGE_CONFIGS } from '../../lib/config';
import { APP_RUNTIME } from '../../lib/constructs/app-function';
import { ProfileCache } from '../../lib/constructs/profile-cache';
import { synthStageNeeds, type StageNeeds } from '../../scripts/preflight/stage-needs';

// How needs are read from a template is checked on handmade templates in
// test/unit/preflight-stage-needs.test.ts.

describe('what a stage needs, read from its synthesized templates', () => {
  let dev: StageNeeds;
  let prod: StageNeeds;
  beforeAll(() => {
    dev = synthStageNeeds(STAGE_CONFIGS.dev);
    prod = synthStageNeeds(STAGE_CONFIGS.prod);
  }, 120_000);

  it('names the stacks of each stage in deploy order: each after the stacks it needs', () => {
    expect(dev.stackNames).toEqual([
      'PhotoApp-Dev-Network',
      'PhotoApp-Dev-Data',
      'PhotoApp-Dev-Api',
      'PhotoApp-Dev-Monitoring',
    ]);
    const at = (part: string) => prod.stackNames.indexOf(`PhotoApp-Prod-${part}`);
    // The copy vault and the photo replica before the data stack; the second Region's data after it.
    for (const [before, after] of [
      ['BackupCopy', 'Data'],
      ['SecondaryNetwork', 'SecondaryStorage'],
      ['SecondaryStorage', 'Data'],
      ['Data', 'SecondaryData'],
      ['SecondaryData', 'SecondaryApi'],
      ['SecondaryApi', 'SecondaryMonitoring'],
      ['Api', 'Monitoring'],
    ]) {
      expect([before, at(before) >= 0 && at(before) < at(after)]).toEqual([before, true]);
    }
  });

  it("pins a stage's stacks where its config says: all to its Region where it has one, the copy vault's to the copy Region", () => {
    expect(dev.stackRegions).toBeUndefined();
    const { region, backup, disasterRecovery } = STAGE_CONFIGS.prod;
    expect(prod.stackRegions).toEqual(
      Object.fromEntries(
        prod.stackNames.map((name) => [
          name,
          name === 'PhotoApp-Prod-BackupCopy'
            ? backup.copyRegion
            : name.startsWith('PhotoApp-Prod-Secondary')
              ? disasterRecovery?.region
              : region,
        ]),
      ),
    );
  });

  it('reads the minimum bootstrap version from the CheckBootstrapVersion rule', () => {
    for (const needs of [dev, prod]) {
      expect(needs.bootstrap.minVersion).toBeGreaterThanOrEqual(6);
      expect(needs.bootstrap.versionParameter).toBe('/cdk-bootstrap/hnb659fds/version');
    }
  });

  it('finds one Aurora PostgreSQL cluster on Serverless v2 with the Data API', () => {
    for (const needs of [dev, prod]) {
      expect(needs.aurora).toEqual([
        {
          engine: 'aurora-postgresql',
          engineVersion: expect.stringMatching(/^\d+\.\d+$/),
          serverlessV2: true,
          dataApi: true,
        },
      ]);
      expect(needs.proxyEngineFamilies).toEqual(['POSTGRESQL']);
    }
  });

  it('takes the cache engine, version, parameter group and node type of each stage from the replication group', () => {
    expect(dev.caches).toEqual([
      {
        engine: ProfileCache.ENGINE,
        engineVersion: ProfileCache.ENGINE_VERSION,
        parameterGroup: ProfileCache.PARAMETER_GROUP,
        nodeType: STAGE_CONFIGS.dev.cache.nodeType,
      },
    ]);
    expect(prod.caches).toEqual([expect.objectContaining({ nodeType: STAGE_CONFIGS.prod.cache.nodeType })]);
  });

  it('reads the fixed ElastiCache user ids of each stage, with the data stack that creates them', () => {
    expect(dev.cacheUsers).toEqual([
      { stackName: 'PhotoApp-Dev-Data', logicalId: expect.any(String), userId: 'photoapp-dev-app' },
      { stackName: 'PhotoApp-Dev-Data', logicalId: expect.any(String), userId: 'photoapp-dev-default' },
    ]);
    // The second Region's data stack has the same ids: they are unique per Region.
    expect(prod.cacheUsers.map((u) => [u.stackName, u.userId])).toEqual([
      ['PhotoApp-Prod-Data', 'photoapp-prod-app'],
      ['PhotoApp-Prod-Data', 'photoapp-prod-default'],
      ...(STAGE_CONFIGS.prod.disasterRecovery
        ? [
            ['PhotoApp-Prod-SecondaryData', 'photoapp-prod-app'],
            ['PhotoApp-Prod-SecondaryData', 'photoapp-prod-default'],
          ]
        : []),
    ]);
  });

  it("lists the app's runtime on arm64 and CDK helper functions on the default x86_64", () => {
    expect(dev.lambdaRuntimes).toContainEqual({ runtime: APP_RUNTIME.name, architecture: 'arm64' });
    expect(dev.lambdaRuntimes.some((r) => r.architecture === 'x86_64')).toBe(true);
  });

  it('sums reserved concurrency: prod reserves it, dev does not', () => {
    expect(dev.reservedConcurrency).toEqual([]);
    expect(dev.reservedConcurrencyTotal).toBe(0);
    expect(prod.reservedConcurrencyTotal).toBeGreaterThan(0);
    expect(
      prod.reservedConcurrency.every((r) =>
        ['PhotoApp-Prod-Api', 'PhotoApp-Prod-SecondaryApi'].includes(r.stackName),
      ),
    ).toBe(true);
    expect(prod.reservedConcurrency[0].reserved).toBe(STAGE_CONFIGS.prod.api.databaseFunctionConcurrency);
  });

  it('counts one VPC over two Availability Zones, and the RDS resources per quota', () => {
    expect(dev.vpcs).toEqual([{ stackName: 'PhotoApp-Dev-Network', count: 1 }]);
    expect(dev.availabilityZones).toBe(2);
    const dr = STAGE_CONFIGS.prod.disasterRecovery;
    expect(prod.rdsQuotas.DBClusters).toEqual([
      { stackName: 'PhotoApp-Prod-Data', count: 1 },
      ...(dr ? [{ stackName: 'PhotoApp-Prod-SecondaryData', count: 1 }] : []),
    ]);
    expect(prod.rdsQuotas.DBInstances).toEqual([
      { stackName: 'PhotoApp-Prod-Data', count: 1 + STAGE_CONFIGS.prod.database.readers },
      ...(dr ? [{ stackName: 'PhotoApp-Prod-SecondaryData', count: dr.secondaryInstances }] : []),
    ]);
  });
});
