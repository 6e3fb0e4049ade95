import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CDK_JSON_CONTEXT } from '../../../scripts/cdk-context';

/** The repository this test runs in. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

/** What `cdk synth` needs of a checkout: the app's sources, its settings and its lock file. */
// layers: the installed image library (synth reads it; a copy, so that its asset hash is shown to
// depend on its content alone).
const CHECKOUT_DIRECTORIES = ['bin', 'contract', 'layers', 'lib', 'lambda', 'scripts'];
const CHECKOUT_FILES = ['package.json', 'package-lock.json', 'cdk.json', 'tsconfig.json'];

/**
 * Copies the parts of this checkout that synthesis reads into `target`, a
 * second checkout at another path; node_modules is linked, not copied.
 */
export function copyCheckout(target: string): void {
  for (const directory of CHECKOUT_DIRECTORIES) {
    fs.cpSync(path.join(REPO_ROOT, directory), path.join(target, directory), { recursive: true });
  }
  for (const file of CHECKOUT_FILES) fs.copyFileSync(path.join(REPO_ROOT, file), path.join(target, file));
  fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(target, 'node_modules'), 'dir');
}

export interface SynthRun {
  /** The checkout to run the app of. */
  readonly checkout: string;
  /** Where the cloud assembly goes. */
  readonly outdir: string;
  /** Context besides cdk.json's, as `-c key=value` would pass it. */
  readonly context?: Record<string, unknown>;
  /** Another entry point of the checkout than cdk.json's `bin/app.ts`. */
  readonly entryPoint?: string;
}

export interface SynthResult {
  readonly exitCode: number | null;
  readonly stderr: string;
}

/**
 * Runs the app the way `cdk synth` does: cdk.json's command in its own
 * process, with the context and output directory the CLI hands over in
 * CDK_CONTEXT_JSON and CDK_OUTDIR.
 */
export function synthInProcess(run: SynthRun): Promise<SynthResult> {
  const [command, ...args] = (
    JSON.parse(fs.readFileSync(path.join(run.checkout, 'cdk.json'), 'utf8')) as {
      app: string;
    }
  ).app.split(' ');
  if (run.entryPoint) args[args.length - 1] = run.entryPoint;
  return new Promise((resolve, reject) => {
    const child = spawn(command === 'node' ? process.execPath : command, args, {
      cwd: run.checkout,
      env: {
        ...process.env,
        CDK_OUTDIR: run.outdir,
        CDK_CONTEXT_JSON: JSON.stringify({ ...CDK_JSON_CONTEXT, ...run.context }),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (exitCode) => resolve({ exitCode, stderr }));
  });
}

/** The templates and asset manifests of a cloud assembly, by file name, as bytes. */
export function deployedFiles(outdir: string): Record<string, Buffer> {
  return Object.fromEntries(
    fs
      .readdirSync(outdir)
      .filter((name) => /\.(template|assets)\.json$/.test(name))
      .sort()
      .map((name) => [name, fs.readFileSync(path.join(outdir, name))]),
  );
}
