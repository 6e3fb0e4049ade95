import type { StageConfig } from '../schema';
import { dev } from './dev';
import { prod } from './prod';

/**
 * Every stage of the app, in the order synth, the tests, the replacement
 * baseline and cfn-lint take them. Adding a stage is a file beside these,
 * exporting its `StageConfig<'name'>`, and its entry here.
 */
export const STAGES = [dev, prod] as const;

export type StageName = (typeof STAGES)[number]['stage'];

export const STAGE_NAMES: readonly StageName[] = STAGES.map((config) => config.stage);

export const STAGE_CONFIGS = Object.fromEntries(STAGES.map((config) => [config.stage, config])) as Readonly<
  Record<StageName, StageConfig<StageName>>
>;

/** The stage `cdk synth` and the scripts take when none is named. */
export const DEFAULT_STAGE: StageName = dev.stage;

/** The file that holds a stage's values, for messages that say what to edit. */
export function stageConfigFile(stage: string): string {
  return `lib/config/stages/${stage}.ts`;
}
