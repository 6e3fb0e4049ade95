import { STAGE_NAMES, stageLabel } from '../../lib/config';
import { synthStage } from './helpers/app';

// One snapshot per stack and stage. Asset hashes are masked by the serializer
// in test/infra/helpers/mask-volatile.ts, so only infrastructure changes show.
describe.each(STAGE_NAMES)('%s templates', (stage) => {
  const { templates } = synthStage(stage);

  it.each(['network', 'data', 'api', 'monitoring'] as const)('%s stack matches its snapshot', (name) => {
    expect(templates[name].toJSON()).toMatchSnapshot();
  });

  // Only a stage that copies its backups to another Region has the copy vault's stack.
  it('backup copy stack matches its snapshot, where the stage has one', () => {
    expect(templates.backupCopy?.toJSON() ?? 'no backup copy stack').toMatchSnapshot();
  });

  // Only a stage with disasterRecovery has the second Region's stacks.
  it.each([
    'secondaryNetwork',
    'secondaryStorage',
    'secondaryData',
    'secondaryApi',
    'secondaryMonitoring',
  ] as const)('%s stack matches its snapshot, where the stage has one', (name) => {
    expect(templates[name]?.toJSON() ?? `no ${name} stack`).toMatchSnapshot();
  });
});

it.each(STAGE_NAMES)('names the %s stacks PhotoApp-<Stage>-<Part>', (stage) => {
  const { stacks } = synthStage(stage, { nag: false });
  const label = stageLabel(stage);
  expect([stacks.network, stacks.data, stacks.api, stacks.monitoring].map((s) => s.stackName)).toEqual([
    `PhotoApp-${label}-Network`,
    `PhotoApp-${label}-Data`,
    `PhotoApp-${label}-Api`,
    `PhotoApp-${label}-Monitoring`,
  ]);
});
