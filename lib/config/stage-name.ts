/**
 * What a stage name may be. It goes into stack names, tags and resource
 * names (ElastiCache user ids such as `photoapp-<stage>-app`), so it keeps to
 * characters and a length that every one of them accepts.
 */
export const STAGE_NAME_PATTERN = /^[a-z][a-z0-9]{0,15}$/;

/** `dev` -> `Dev`, used in stack ids such as `PhotoApp-Dev-Data`. */
export function stageLabel(stage: string): string {
  return stage.charAt(0).toUpperCase() + stage.slice(1);
}
