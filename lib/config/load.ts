import { DEFAULT_STAGE, STAGE_CONFIGS, STAGE_NAMES, type StageName } from './stages';
import type { StageConfig } from './schema';
import { ConfigError, validateStageConfig } from './validation';

/** Resolves the `stage` context value (default: `DEFAULT_STAGE`) to the validated config of a listed stage. */
export function loadStageConfig(stage: unknown): StageConfig<StageName> {
  const name = stage === undefined || stage === null || stage === '' ? DEFAULT_STAGE : stage;
  if (typeof name !== 'string' || !(STAGE_NAMES as readonly string[]).includes(name)) {
    throw new ConfigError(
      `Invalid stage config: stage must be one of ${STAGE_NAMES.join(', ')} (got ${JSON.stringify(name)}); pass ${STAGE_NAMES.map((n) => `-c stage=${n}`).join(' or ')}`,
    );
  }
  return validateStageConfig(STAGE_CONFIGS[name as StageName]);
}
