import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { addComplianceChecks } from '../../../lib/compliance';
import { STAGE_CONFIGS, validateStageConfig, type StageConfig, type StageName } from '../../../lib/config';
import { buildPhotoApp, type PhotoAppStacks } from '../../../lib/photo-app';
import { CDK_JSON_CONTEXT, SKIP_BUNDLING } from '../../../scripts/cdk-context';

export { CDK_JSON_CONTEXT };

export interface SynthOptions {
  /** Run esbuild for every function (slow); off by default, since templates do not need the bundles. */
  readonly bundle?: boolean;
  /** Register cdk-nag, as bin/app.ts does. @default true */
  readonly nag?: boolean;
  /** Passed to buildPhotoApp, as bin/app.ts passes the CLI's region. */
  readonly targetRegion?: string;
  /** Change the stage config before building. */
  readonly configure?: (config: StageConfig) => StageConfig;
}

export interface SynthesizedApp {
  readonly app: App;
  readonly stacks: PhotoAppStacks;
  readonly templates: {
    readonly network: Template;
    readonly data: Template;
    readonly api: Template;
    readonly monitoring: Template;
    /** Only in a stage with config.backup.copyRegion. */
    readonly backupCopy?: Template;
  };
}

/** The DeletionPolicy CDK renders for the stage's stateful resources (those without a snapshot policy). */
export function deletionPolicyOf(config: StageConfig): 'Retain' | 'Delete' {
  return config.dataRemoval === 'retain' ? 'Retain' : 'Delete';
}

/** Builds and synthesizes one stage the way bin/app.ts does. */
export function synthStage(stage: StageName, options: SynthOptions = {}): SynthesizedApp {
  const app = new App({
    context: {
      ...CDK_JSON_CONTEXT,
      ...(options.bundle ? {} : SKIP_BUNDLING),
    },
  });
  const base = STAGE_CONFIGS[stage];
  const config = validateStageConfig(options.configure ? options.configure(base) : base);
  const stacks = buildPhotoApp(app, config, { targetRegion: options.targetRegion });
  if (options.nag ?? true) {
    addComplianceChecks(app);
  }
  app.synth();
  return {
    app,
    stacks,
    templates: {
      network: Template.fromStack(stacks.network),
      data: Template.fromStack(stacks.data),
      api: Template.fromStack(stacks.api),
      monitoring: Template.fromStack(stacks.monitoring),
      ...(stacks.backupCopy ? { backupCopy: Template.fromStack(stacks.backupCopy) } : {}),
    },
  };
}
