/**
 * The image library layer as synth stages it, the artifact CDK uploads: sharp with its linux-arm64
 * (glibc) binaries, installed by npm's own --os/--cpu/--libc options, and nothing built for another
 * platform; and the processing function's bundle, which leaves sharp to the layer.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { buildSync } from 'esbuild';
import { entryOf, FUNCTIONS } from '../../contract/functions';
import { handlerBuildOptions, PROJECT_ROOT } from '../../lib/constructs/app-function';
import { IMAGE_LIBRARY_DIR, ImageLibraryLayer } from '../../lib/constructs/image-library-layer';
import { CDK_JSON_CONTEXT } from '../../scripts/cdk-context';

/** ELF's e_machine for 64-bit ARM (AArch64), at offset 18 of the header, little-endian. */
const EM_AARCH64 = 183;

function elfMachine(file: string): number | undefined {
  const header = Buffer.alloc(20);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, header, 0, header.length, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (!header.subarray(0, 4).equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))) return undefined;
  return header.readUInt16LE(18);
}

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)));
}

const rootSharpVersion = (
  JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  }
).dependencies.sharp;

describe('image library layer', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'photoapp-layer-'));
  let staged: string;
  let template: Template;
  let layer: ImageLibraryLayer;

  beforeAll(() => {
    const app = new App({ outdir: path.join(work, 'cdk.out'), context: { ...CDK_JSON_CONTEXT } });
    const stack = new Stack(app, 'Layer');
    layer = new ImageLibraryLayer(stack, 'ImageLibrary');
    const asset = layer.layer.node.findChild('Code') as s3assets.Asset;
    app.synth();
    staged = path.join(app.outdir, asset.assetPath);
    template = Template.fromStack(stack);
  }, 60_000);

  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('holds sharp where Lambda looks for a layer’s Node.js modules, at the version the app is tested with', () => {
    const manifest = JSON.parse(
      fs.readFileSync(path.join(staged, 'nodejs', 'node_modules', 'sharp', 'package.json'), 'utf8'),
    ) as { version: string };
    expect(manifest.version).toBe(rootSharpVersion);
    expect(layer.sharpVersion).toBe(rootSharpVersion);
    const pinned = JSON.parse(
      fs.readFileSync(path.join(IMAGE_LIBRARY_DIR, 'nodejs', 'package.json'), 'utf8'),
    ) as { dependencies: Record<string, string> };
    expect(pinned.dependencies).toEqual({ sharp: rootSharpVersion });
  });

  it('contains the linux-arm64 sharp binding and libvips, both built for AArch64', () => {
    const files = filesUnder(staged);
    const binding = files.filter((file) =>
      /^nodejs\/node_modules\/@img\/sharp-linux-arm64\/lib\/sharp-linux-arm64-[\d.]+\.node$/.test(file),
    );
    const libvips = files.filter((file) =>
      /^nodejs\/node_modules\/@img\/sharp-libvips-linux-arm64\/lib\/libvips-cpp\.so\.[\d.]+$/.test(file),
    );
    expect(binding).toHaveLength(1);
    expect(libvips).toHaveLength(1);
    for (const file of [...binding, ...libvips]) {
      expect(elfMachine(path.join(staged, file))).toBe(EM_AARCH64);
    }
  });

  it('contains no binary for another platform', () => {
    const platforms = fs.readdirSync(path.join(staged, 'nodejs', 'node_modules', '@img')).sort();
    expect(platforms).toEqual(['colour', 'sharp-libvips-linux-arm64', 'sharp-linux-arm64']);
    const natives = filesUnder(staged).filter((file) => /\.(node|so(\.[\d.]+)?)$/.test(file));
    expect(natives.length).toBeGreaterThan(0);
    for (const file of natives)
      expect([file, elfMachine(path.join(staged, file))]).toEqual([file, EM_AARCH64]);
  });

  it('leaves out the lockfiles, sharp’s sources and build scripts, and every symbolic link', () => {
    const files = filesUnder(staged);
    expect(files.filter((file) => /package-lock\.json$|\/sharp\/(src|install)\//.test(file))).toEqual([]);
    const links = fs
      .readdirSync(staged, { withFileTypes: true, recursive: true })
      .filter((entry) => entry.isSymbolicLink());
    expect(links).toEqual([]);
  });

  it('is a layer for arm64 and the app’s runtime', () => {
    template.resourceCountIs('AWS::Lambda::LayerVersion', 1);
    template.hasResourceProperties('AWS::Lambda::LayerVersion', {
      CompatibleArchitectures: ['arm64'],
      CompatibleRuntimes: ['nodejs24.x'],
      Description: `sharp ${rootSharpVersion} with libvips, linux-arm64 (glibc)`,
    });
  });

  it('refuses to synthesize from a folder where the linux-arm64 packages are missing', () => {
    const empty = fs.mkdtempSync(path.join(work, 'empty-'));
    expect(
      () => new ImageLibraryLayer(new Stack(new App(), 'Empty'), 'ImageLibrary', { directory: empty }),
    ).toThrow(
      /sharp, @img\/sharp-linux-arm64, @img\/sharp-libvips-linux-arm64 not installed .* run npm ci --prefix layers\/image-library\/nodejs --os=linux --cpu=arm64/,
    );
  });

  it('bundles the processing function without sharp, which it loads from the layer', () => {
    const outfile = path.join(work, 'bundle', 'index.js');
    const { metafile } = buildSync({
      ...handlerBuildOptions(path.join(PROJECT_ROOT, entryOf(FUNCTIONS.photoProcessor)), outfile),
      write: false,
      metafile: true,
    });
    const inputs = Object.keys(metafile.inputs);
    expect(inputs.filter((input) => input.includes('node_modules/sharp/'))).toEqual([]);
    const externals = Object.values(metafile.inputs).flatMap((input) =>
      input.imports.filter((imported) => imported.external).map((imported) => imported.path),
    );
    expect(externals).toContain('sharp');
  });
});
