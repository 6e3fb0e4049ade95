import { STAGE_NAMES, stageLabel, type StageName } from '../../lib/config';
import { UPDATE_COMMAND, compareStack } from '../../scripts/replacement-baseline/compare';
import { isKnownType, isStatefulInSchema } from '../../scripts/replacement-baseline/schema';
import {
  normalize,
  readBaseline,
  snapshotStack,
  type TemplateJson,
} from '../../scripts/replacement-baseline/snapshot';
import { isGuardedType } from '../../scripts/replacement-baseline/stateful-types';
import { stageWith } from '../support/stages';
import { synthStage } from './helpers/app';

const baseline = readBaseline();

const synthesized = new Map<StageName, Record<string, TemplateJson>>();
/** The stage's templates by stack name; synthesized once, without bundling or cdk-nag. */
function templates(stage: StageName): Record<string, TemplateJson> {
  let found = synthesized.get(stage);
  if (!found) {
    const app = synthStage(stage, { nag: false });
    found = Object.fromEntries(
      (Object.keys(app.stacks) as Array<keyof typeof app.stacks>).map((key) => [
        app.stacks[key]!.stackName,
        app.templates[key]!.toJSON() as TemplateJson,
      ]),
    );
    synthesized.set(stage, found);
  }
  return found;
}

/** Fails with one sentence per finding and what to do when the change is intended. */
function expectNoFindings(findings: readonly string[]): void {
  if (findings.length > 0) {
    throw new Error(
      [
        ...findings,
        '',
        `If the replacement is intended and the data is safe, run \`${UPDATE_COMMAND}\` and commit the baseline with the change.`,
      ].join('\n'),
    );
  }
}

const stackRows = STAGE_NAMES.flatMap((stage) =>
  Object.keys(baseline[stage] ?? {}).map((stackName) => [stage, stackName] as const),
);

describe('replacement guard', () => {
  describe.each(STAGE_NAMES)('%s', (stage) => {
    it('has a baseline for exactly the stacks of the stage', () => {
      expect(Object.keys(baseline[stage] ?? {}).sort()).toEqual(Object.keys(templates(stage)).sort());
    });

    it('guards every resource type the CloudFormation schema marks stateful', () => {
      const types = Object.values(templates(stage)).flatMap((t: TemplateJson) =>
        Object.values(t.Resources ?? {}).map((r) => r.Type),
      );
      const unguarded = [...new Set(types)].filter(
        (type) => isStatefulInSchema(type) && !isGuardedType(type),
      );
      expect(unguarded).toEqual([]);
    });
  });

  it.each(stackRows)('%s: %s replaces and deletes no stateful resource', (stage, stackName) => {
    const template = templates(stage)[stackName] as TemplateJson | undefined;
    expect(template).toBeDefined();
    expectNoFindings(compareStack(stackName, baseline[stage][stackName], snapshotStack(template!)));
  });
});

// A production stage's data stack: the one whose data the guard is for, with a proxy and readers.
describe('the comparison, on the real data stack of a production stage', () => {
  const { stage } = stageWith('production');
  const stackName = `PhotoApp-${stageLabel(stage)}-Data`;
  const original = (): TemplateJson => templates(stage)[stackName];
  /** A copy of the template with `change` applied, compared with the template as synthesized. */
  function findingsAfter(change: (resources: Record<string, any>) => void): string[] {
    const changed = structuredClone(original()) as { Resources: Record<string, any> };
    change(changed.Resources);
    return compareStack(stackName, snapshotStack(original()), snapshotStack(changed));
  }
  /** The logical id of the only resource of a type. */
  function idOf(type: string): string {
    const ids = Object.entries(original().Resources ?? {})
      .filter(([, r]) => r.Type === type)
      .map(([id]) => id);
    expect(ids).toHaveLength(1);
    return ids[0];
  }

  /**
   * The suffix naming what a replaced cluster takes with it: its instances, and the global database
   * it is the source of, where the stage has a second Region.
   */
  function andItsInstances(): string {
    const naming: Record<string, string> = {
      'AWS::RDS::DBInstance': 'DBClusterIdentifier',
      'AWS::RDS::GlobalCluster': 'SourceDBClusterIdentifier',
    };
    const dependants = Object.entries(original().Resources ?? {})
      .filter(([, r]) => naming[r.Type] !== undefined)
      .map(([id, r]) => `${id} (${naming[r.Type]})`)
      .sort();
    expect(dependants.length).toBeGreaterThan(0);
    return `, and with it ${dependants.join(', ')}`;
  }

  it('finds nothing when nothing changed', () => {
    expect(findingsAfter(() => {})).toEqual([]);
  });

  it('names each create-only property that changed, and nothing else', () => {
    const table = idOf('AWS::DynamoDB::GlobalTable');
    const cluster = idOf('AWS::RDS::DBCluster');
    const bucket = 'PhotoBucketBCCC5A2D';
    const findings = findingsAfter((resources) => {
      resources[table].Properties.KeySchema = [{ AttributeName: 'id', KeyType: 'HASH' }];
      resources[cluster].Properties.DatabaseName = 'profiles';
      resources[bucket].Properties.BucketName = 'photos-prod';
      // Updatable in place: no finding.
      resources[cluster].Properties.Port = 6543;
      resources[table].Properties.StreamSpecification = { StreamViewType: 'KEYS_ONLY' };
    });
    expect(findings).toEqual([
      `${stackName}/${bucket} (AWS::S3::Bucket): BucketName was set; CloudFormation replaces the resource`,
      `${stackName}/${table} (AWS::DynamoDB::GlobalTable): KeySchema changed; CloudFormation replaces the resource`,
      `${stackName}/${cluster} (AWS::RDS::DBCluster): DatabaseName changed; CloudFormation replaces the resource${andItsInstances()}`,
    ]);
  });

  it('names a renamed resource twice: the old id is deleted, the new one is not reviewed yet', () => {
    const pool = idOf('AWS::Cognito::UserPool');
    const findings = findingsAfter((resources) => {
      resources.RenamedUserPool = resources[pool];
      delete resources[pool];
    });
    expect(findings).toEqual([
      `${stackName}/${pool} (AWS::Cognito::UserPool) was removed or renamed; CloudFormation deletes it`,
      `${stackName}/RenamedUserPool (AWS::Cognito::UserPool) is a new stateful resource that is not in the baseline; ` +
        `review it, then run \`${UPDATE_COMMAND}\``,
    ]);
  });

  it('follows nested create-only paths and says when the schema makes replacement conditional', () => {
    const table = idOf('AWS::DynamoDB::GlobalTable');
    const cluster = idOf('AWS::RDS::DBCluster');
    const findings = findingsAfter((resources) => {
      resources[table].Properties.GlobalSecondaryIndexes[0].Projection = { ProjectionType: 'KEYS_ONLY' };
      resources[cluster].Properties.Engine = 'aurora-mysql';
    });
    const conditional =
      'CloudFormation may replace the resource (the schema marks this update as conditional; ' +
      'see "Update requires" for the property in the CloudFormation template reference)';
    expect(findings).toEqual([
      `${stackName}/${table} (AWS::DynamoDB::GlobalTable): GlobalSecondaryIndexes/0/Projection/ProjectionType changed; ${conditional}`,
      `${stackName}/${cluster} (AWS::RDS::DBCluster): Engine changed; ${conditional}${andItsInstances()}`,
    ]);
  });

  it('guards what a create-only property points at: a named subnet group replaces the cluster', () => {
    const subnets = idOf('AWS::RDS::DBSubnetGroup');
    const cluster = idOf('AWS::RDS::DBCluster');
    const findings = findingsAfter((resources) => {
      resources[subnets].Properties.DBSubnetGroupName = 'profiles';
    });
    expect(findings).toEqual([
      `${stackName}/${subnets} (AWS::RDS::DBSubnetGroup): DBSubnetGroupName was set; CloudFormation replaces the resource, ` +
        `and with it ${cluster} (DBSubnetGroupName)`,
    ]);
  });

  it('compares a cross-stack reference by its output name', () => {
    const proxy = idOf('AWS::RDS::DBProxy');
    const subnetIds = (resources: Record<string, any>) => resources[proxy].Properties.VpcSubnetIds;
    // Same producer in another region spelling: the same reference.
    expect(
      findingsAfter((resources) => {
        subnetIds(resources)[0]['Fn::GetStackOutput'].Region = 'eu-west-1';
      }),
    ).toEqual([]);
    expect(
      findingsAfter((resources) => {
        subnetIds(resources)[0]['Fn::GetStackOutput'].OutputName = 'PublishOutputRefOtherSubnet';
      }),
    ).toEqual([
      `${stackName}/${proxy} (AWS::RDS::DBProxy): VpcSubnetIds changed; CloudFormation replaces the resource`,
    ]);
  });

  it('masks asset hashes, which change with handler code and replace nothing', () => {
    const hash = 'ab'.repeat(32);
    expect(normalize({ S3Key: `${hash}.zip`, Other: { Ref: 'X' } })).toEqual({
      S3Key: '[ASSET HASH].zip',
      Other: { Ref: 'X' },
    });
  });

  it('keeps a resource with no create-only property, guarded by its logical id', () => {
    expect(isKnownType('AWS::Cognito::UserPool')).toBe(true);
    expect(snapshotStack(original())[idOf('AWS::Cognito::UserPool')]).toEqual({
      Type: 'AWS::Cognito::UserPool',
      CreateOnly: {},
    });
  });
});
