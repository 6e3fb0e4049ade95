import { STAGE_CONFIGS } from '../../lib/config';
import { APP_RUNTIME } from '../../lib/constructs/app-function';
import { ProfileCache } from '../../lib/constructs/profile-cache';
import {
  minimumBootstrapVersion,
  needsFromTemplates,
  synthStageNeeds,
  type StageNeeds,
} from '../../scripts/preflight/stage-needs';

describe('what a stage needs, read from its synthesized templates', () => {
  let dev: StageNeeds;
  let prod: StageNeeds;
  beforeAll(() => {
    dev = synthStageNeeds(STAGE_CONFIGS.dev);
    prod = synthStageNeeds(STAGE_CONFIGS.prod);
  }, 120_000);

  it('names the four stacks of each stage in deploy order', () => {
    expect(dev.stackNames).toEqual([
      'PhotoApp-Dev-Network',
      'PhotoApp-Dev-Data',
      'PhotoApp-Dev-Api',
      'PhotoApp-Dev-Monitoring',
    ]);
    expect(prod.stackNames[0]).toBe('PhotoApp-Prod-Network');
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
    expect(prod.cacheUsers.map((u) => [u.stackName, u.userId])).toEqual([
      ['PhotoApp-Prod-Data', 'photoapp-prod-app'],
      ['PhotoApp-Prod-Data', 'photoapp-prod-default'],
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
    expect(prod.reservedConcurrency.every((r) => r.stackName === 'PhotoApp-Prod-Api')).toBe(true);
    expect(prod.reservedConcurrency[0].reserved).toBe(STAGE_CONFIGS.prod.api.databaseFunctionConcurrency);
  });

  it('counts one VPC over two Availability Zones, and the RDS resources per quota', () => {
    expect(dev.vpcs).toEqual([{ stackName: 'PhotoApp-Dev-Network', count: 1 }]);
    expect(dev.availabilityZones).toBe(2);
    expect(prod.rdsQuotas.DBClusters).toEqual([{ stackName: 'PhotoApp-Prod-Data', count: 1 }]);
    expect(prod.rdsQuotas.DBInstances).toEqual([
      { stackName: 'PhotoApp-Prod-Data', count: 1 + STAGE_CONFIGS.prod.database.readers },
    ]);
  });
});

describe('reading needs from handmade templates', () => {
  const rule = (refused: string[]) => ({
    CheckBootstrapVersion: {
      Assertions: [{ Assert: { 'Fn::Not': [{ 'Fn::Contains': [refused, { Ref: 'BootstrapVersion' }] }] } }],
    },
  });

  it('takes the minimum bootstrap version as one above the highest refused version', () => {
    expect(minimumBootstrapVersion({ Rules: rule(['1', '2', '3', '4', '5']) })).toBe(6);
    expect(minimumBootstrapVersion({})).toBeUndefined();
  });

  it('keeps the highest minimum across stacks and ignores container-image functions', () => {
    const needs = needsFromTemplates('dev', [
      { stackName: 'A', template: { Rules: rule(['1', '2']) } },
      {
        stackName: 'B',
        template: {
          Rules: rule(['1', '2', '3', '4', '5', '6']),
          Resources: {
            Zip: { Type: 'AWS::Lambda::Function', Properties: { Runtime: 'nodejs22.x' } },
            Image: { Type: 'AWS::Lambda::Function', Properties: { PackageType: 'Image' } },
          },
        },
      },
    ]);
    expect(needs.bootstrap.minVersion).toBe(7);
    expect(needs.lambdaRuntimes).toEqual([{ runtime: 'nodejs22.x', architecture: 'x86_64' }]);
    expect(needs.aurora).toEqual([]);
    expect(needs.availabilityZones).toBe(0);
    expect(needs.cacheUsers).toEqual([]);
  });

  it('skips an ElastiCache user whose UserId is not a literal', () => {
    const needs = needsFromTemplates('dev', [
      {
        stackName: 'Data',
        template: {
          Resources: {
            Fixed: { Type: 'AWS::ElastiCache::User', Properties: { UserId: 'x-app' } },
            Token: { Type: 'AWS::ElastiCache::User', Properties: { UserId: { Ref: 'Name' } } },
          },
        },
      },
    ]);
    expect(needs.cacheUsers).toEqual([{ stackName: 'Data', logicalId: 'Fixed', userId: 'x-app' }]);
  });

  it('does not call a provisioned-instance cluster Serverless v2', () => {
    const needs = needsFromTemplates('dev', [
      {
        stackName: 'Data',
        template: {
          Resources: {
            Cluster: {
              Type: 'AWS::RDS::DBCluster',
              Properties: { Engine: 'aurora-postgresql', EngineVersion: '16.4' },
            },
            Writer: {
              Type: 'AWS::RDS::DBInstance',
              Properties: { DBClusterIdentifier: { Ref: 'Cluster' }, DBInstanceClass: 'db.r6g.large' },
            },
          },
        },
      },
    ]);
    expect(needs.aurora).toEqual([
      { engine: 'aurora-postgresql', engineVersion: '16.4', serverlessV2: false, dataApi: false },
    ]);
  });
});
