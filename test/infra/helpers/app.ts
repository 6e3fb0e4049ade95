import { App, type Stack } from 'aws-cdk-lib';
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
  /** A template per stack: the four of every stage, and the optional ones where the stage has them. */
  readonly templates: {
    readonly network: Template;
    readonly data: Template;
    readonly api: Template;
    readonly monitoring: Template;
  } & { readonly [K in Exclude<keyof PhotoAppStacks, 'network' | 'data' | 'api' | 'monitoring'>]?: Template };
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
    templates: templatesOf(stacks),
  };
}

/** A template for each stack of the app, under the stack's key in PhotoAppStacks. */
export function templatesOf(stacks: PhotoAppStacks): SynthesizedApp['templates'] {
  const optional = Object.fromEntries(
    Object.entries(stacks)
      .filter(([key]) => !['network', 'data', 'api', 'monitoring'].includes(key))
      .map(([key, stack]) => [key, Template.fromStack(stack as Stack)]),
  );
  return {
    network: Template.fromStack(stacks.network),
    data: Template.fromStack(stacks.data),
    api: Template.fromStack(stacks.api),
    monitoring: Template.fromStack(stacks.monitoring),
    ...optional,
  };
}
