import { minimumBootstrapVersion, needsFromTemplates } from '../../scripts/preflight/stage-needs';

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
