import * as fs from 'node:fs';
import * as path from 'node:path';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { APP_RUNTIME, PROJECT_ROOT } from './app-function';

/**
 * Where the layer's content is installed: `nodejs/node_modules`, the folder Lambda puts on the
 * module path of Node.js functions (/opt/nodejs/node_modules).
 *
 * How it gets there. sharp is a native module: its JavaScript loads `@img/sharp-<os>-<cpu>` and
 * `@img/sharp-libvips-<os>-<cpu>`, optional packages that npm installs for the platform it runs
 * on. Lambda runs linux-arm64 (glibc); developers and CI run anything. So the root package's
 * postinstall runs `npm ci --os=linux --cpu=arm64 --libc=glibc` in `layers/image-library/nodejs`,
 * from that folder's own lockfile: npm's own platform options pick the linux-arm64 packages, with
 * the integrity hashes of the lockfile, on every machine, during the one step that may use the
 * network. Synth then only reads the folder, offline, and no Docker image is needed. The
 * alternatives were worse: committing the binaries (20 MB of them in every clone and every
 * upgrade's diff), installing at synth time (network in synth, and a synth that depends on the
 * registry being up), or bundling inside a Docker image of the Lambda runtime (no Docker here).
 */
export const IMAGE_LIBRARY_DIR = path.join(PROJECT_ROOT, 'layers', 'image-library');

/** The native files the layer must hold, relative to IMAGE_LIBRARY_DIR. */
export const LINUX_ARM64_PACKAGES = ['@img/sharp-linux-arm64', '@img/sharp-libvips-linux-arm64'] as const;

/** What a clone that skipped the postinstall (`npm ci --ignore-scripts`) is told to run. */
const INSTALL_HINT =
  'npm ci --prefix layers/image-library/nodejs --os=linux --cpu=arm64 --libc=glibc --omit=dev --ignore-scripts';

export interface ImageLibraryLayerProps {
  /** The installed layer folder (with `nodejs/node_modules`). @default IMAGE_LIBRARY_DIR */
  readonly directory?: string;
}

/**
 * sharp and libvips for the functions that process images, as a Lambda layer for arm64 and the
 * app's runtime. The handler bundles leave `sharp` out (APP_BUNDLING's externals) and load it from
 * here, so the layer (about 20 MB) is uploaded once per version, not with every code change.
 */
export class ImageLibraryLayer extends Construct {
  /** The layer version. */
  public readonly layer: lambda.LayerVersion;
  /** The sharp version it holds. */
  public readonly sharpVersion: string;

  constructor(scope: Construct, id: string, props: ImageLibraryLayerProps = {}) {
    super(scope, id);
    const directory = props.directory ?? IMAGE_LIBRARY_DIR;
    const modules = path.join(directory, 'nodejs', 'node_modules');
    const missing = ['sharp', ...LINUX_ARM64_PACKAGES].filter(
      (name) => !fs.existsSync(path.join(modules, name, 'package.json')),
    );
    if (missing.length > 0) {
      throw new Error(
        `ImageLibraryLayer: ${missing.join(', ')} not installed in ${path.relative(PROJECT_ROOT, modules)}; run ${INSTALL_HINT}`,
      );
    }
    this.sharpVersion = (
      JSON.parse(fs.readFileSync(path.join(modules, 'sharp', 'package.json'), 'utf8')) as { version: string }
    ).version;

    this.layer = new lambda.LayerVersion(this, 'Layer', {
      code: lambda.Code.fromAsset(directory, {
        // Only what loads at run time: not the lockfiles, nor sharp's C++ sources and build
        // scripts, nor npm's links to package executables (.bin: a link's target is part of the
        // asset hash, and a copied checkout may rewrite it).
        exclude: [
          'nodejs/package-lock.json',
          'nodejs/node_modules/.package-lock.json',
          'nodejs/node_modules/.bin',
          '**/sharp/src',
          '**/sharp/install',
        ],
      }),
      compatibleArchitectures: [lambda.Architecture.ARM_64],
      compatibleRuntimes: [APP_RUNTIME],
      description: `sharp ${this.sharpVersion} with libvips, linux-arm64 (glibc)`,
      license: 'Apache-2.0 AND LGPL-3.0-or-later',
    });
  }
}
