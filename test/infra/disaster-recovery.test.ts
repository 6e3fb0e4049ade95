/**
 * The disaster-recovery option (config `disasterRecovery`) in the shipped stage that turns it on,
 * and the proof that a stage without it synthesizes nothing of it.
 */
import { STAGES, type StageConfig, type StageName } from '../../lib/config';
import { synthStage, type SynthesizedApp } from './helpers/app';

/** The shipped stage with a second Region. */
const drStage = STAGES.find((config) => config.disasterRecovery !== undefined);
if (!drStage) throw new Error('no shipped stage turns disasterRecovery on: the tests below need one');
const stage: StageName = drStage.stage;
const config: StageConfig = drStage;
const dr = config.disasterRecovery!;
const primaryRegion = config.region!;

/** The same stage with the option off. */
const withoutDr = (c: StageConfig): StageConfig => ({ ...c, disasterRecovery: undefined });

let withIt: SynthesizedApp;
let withoutIt: SynthesizedApp;
beforeAll(() => {
  withIt = synthStage(stage, { nag: false });
  withoutIt = synthStage(stage, { nag: false, configure: withoutDr });
}, 120_000);

const only = (entries: Record<string, any>): [string, any] => {
  const all = Object.entries(entries);
  expect(all).toHaveLength(1);
  return all[0];
};

describe(`disaster recovery (${stage}): the primary Region`, () => {
  it("pins the primary stacks to the stage's Region, which CDK needs for a table replica", () => {
    const { network, data, api, monitoring } = withIt.stacks;
    for (const stack of [network, data, api, monitoring]) expect(stack.region).toBe(primaryRegion);
  });
});

describe(`disaster recovery (${stage}): the photo table`, () => {
  const table = () => only(withIt.templates.data.findResources('AWS::DynamoDB::GlobalTable'))[1].Properties;
  const replicaIn = (region: string) =>
    (table().Replicas as Array<Record<string, any>>).find((replica) => replica.Region === region);

  it('has a replica in the second Region beside the one in its own', () => {
    expect((table().Replicas as Array<{ Region: string }>).map((r) => r.Region).sort()).toEqual(
      [primaryRegion, dr.region].sort(),
    );
  });

  it('keeps point-in-time recovery and deletion protection on the replica, as on the primary', () => {
    for (const region of [primaryRegion, dr.region]) {
      expect(replicaIn(region)).toMatchObject({
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: config.photos.deletionProtection,
      });
    }
  });

  it('gives every replica the same stream, TTL and indexes: one setting of the global table', () => {
    // AWS::DynamoDB::GlobalTable holds them once for all replicas; a replica cannot differ.
    expect(table().StreamSpecification).toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' });
    expect(table().TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect((table().GlobalSecondaryIndexes as Array<{ IndexName: string }>).map((i) => i.IndexName)).toEqual([
      'byOwner',
      'feed',
    ]);
    for (const region of [primaryRegion, dr.region]) {
      expect(
        (replicaIn(region)!.GlobalSecondaryIndexes as Array<{ IndexName: string }>).map((i) => i.IndexName),
      ).toEqual(['byOwner', 'feed']);
    }
  });

  it('keeps Contributor Insights off on the replica (billed per replica; the standby serves reads)', () => {
    const replica = replicaIn(dr.region)!;
    expect(replica.ContributorInsightsSpecification?.Enabled ?? false).toBe(false);
    for (const index of replica.GlobalSecondaryIndexes as Array<Record<string, any>>) {
      expect(index.ContributorInsightsSpecification?.Enabled ?? false).toBe(false);
    }
  });

  it('keeps the logical id of the table, so turning the option on does not replace it', () => {
    const [withId] = only(withIt.templates.data.findResources('AWS::DynamoDB::GlobalTable'));
    const [withoutId] = only(withoutIt.templates.data.findResources('AWS::DynamoDB::GlobalTable'));
    expect(withId).toBe(withoutId);
  });
});

describe(`a stage without disaster recovery (${stage} with it off)`, () => {
  it('has one replica of the table, in its own Region', () => {
    const [, table] = only(withoutIt.templates.data.findResources('AWS::DynamoDB::GlobalTable'));
    expect((table.Properties.Replicas as Array<{ Region: string }>).map((r) => r.Region)).toEqual([
      primaryRegion,
    ]);
  });
});
