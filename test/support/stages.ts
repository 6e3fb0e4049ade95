import { STAGES, type StageConfig, type StageName, type StageProtection } from '../../lib/config';

/**
 * The first shipped stage with this protection. Tests about what protection implies pick their
 * stage this way, so renaming or adding a stage does not quietly test the wrong one.
 */
export function stageWith(protection: StageProtection): StageConfig<StageName> {
  const found = STAGES.find((config) => config.protection === protection);
  if (!found) throw new Error(`no stage in lib/config/stages has protection "${protection}"`);
  return found;
}
