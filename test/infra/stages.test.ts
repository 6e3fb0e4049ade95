import * as fs from 'node:fs';
import * as path from 'node:path';
import { STAGE_NAMES, STAGES, stageConfigFile } from '../../lib/config';
import { synthStage } from './helpers/app';
import { REPO_ROOT } from './helpers/synth-process';

describe('the stage list', () => {
  it('names every stage once', () => {
    expect(new Set(STAGE_NAMES).size).toBe(STAGES.length);
  });

  it('lists every stage file of lib/config/stages, and only those', () => {
    const folder = path.join(REPO_ROOT, path.dirname(stageConfigFile('any')));
    const files = fs.readdirSync(folder).filter((name) => name !== 'index.ts');
    expect(files.sort()).toEqual(STAGE_NAMES.map((stage) => path.basename(stageConfigFile(stage))).sort());
  });

  it.each(STAGE_NAMES)('keeps the %s values in the file that messages name', (stage) => {
    const source = fs.readFileSync(path.join(REPO_ROOT, stageConfigFile(stage)), 'utf8');
    expect(source).toContain(`stage: '${stage}'`);
  });
});

describe('a stage with prod values under another name', () => {
  // As long as "prod", so that names CDK cuts to 64 characters are cut at the same place.
  const other = 'live';
  const prod = synthStage('prod', { nag: false });
  const live = synthStage('prod', { nag: false, configure: (c) => ({ ...c, stage: other }) });
  /**
   * A template as JSON text with the stage name written as prod's, and the
   * hashes CDK derives from construct paths (which hold the stack name) masked.
   */
  const asProd = (json: unknown): string =>
    JSON.stringify(json, null, 1)
      .replace(/Live/g, 'Prod')
      .replace(/live/g, 'prod')
      .replace(/[0-9a-f]{64}/g, '<asset hash>')
      .replace(/[0-9A-F]{8,}/g, '<hash>');

  it('names its stacks after itself', () => {
    expect(live.stacks.data.stackName).toBe('PhotoApp-Live-Data');
  });

  it.each(['network', 'data', 'api', 'monitoring'] as const)(
    'synthesizes the %s stack as prod does: nothing in the app decides by the name',
    (name) => {
      expect(asProd(live.templates[name].toJSON())).toEqual(asProd(prod.templates[name].toJSON()));
    },
  );

  it('turns termination protection on, as in prod', () => {
    expect(live.stacks.data.terminationProtection).toBe(true);
    expect(prod.stacks.data.terminationProtection).toBe(true);
  });
});
