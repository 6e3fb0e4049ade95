/**
 * The rendition plan (lambda/domain/renditions.ts) carried out by sharp (libvips). In Lambda, sharp
 * and its linux-arm64 binaries come from the function's layer (lib/constructs/image-library-layer.ts);
 * the bundle leaves the package out.
 */
import sharp from 'sharp';
import type { ImageFacts, ImageLimits, RenderedImage, RenditionFormat } from '../domain/renditions';
import { RENDITION_FORMAT_NAMES, RENDITION_NAMES, RENDITION_SIZES } from '../domain/renditions';
import type { ImageRenderer } from '../domain/photo-processing';
import { UndecodableImageError } from '../domain/photo-processing';

// One photo per invocation: libvips' operation cache would only hold memory between them.
sharp.cache(false);

/** Encoder settings: quality that holds up on a phone screen at about a tenth of the camera's bytes. */
const ENCODERS: Readonly<Record<RenditionFormat, (image: sharp.Sharp) => sharp.Sharp>> = {
  webp: (image) => image.webp({ quality: 80, effort: 4 }),
  jpeg: (image) => image.jpeg({ quality: 82, progressive: true }),
};

/** libvips' message, first line only and bounded: it becomes the photo's rejection reason. */
const undecodable = (error: unknown): UndecodableImageError => {
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0].trim();
  return new UndecodableImageError(`image could not be decoded: ${message.slice(0, 200)}`);
};

export class SharpImageRenderer implements ImageRenderer {
  async inspect(bytes: Uint8Array): Promise<ImageFacts> {
    try {
      // The header only; the pixel limit is the caller's to judge here, so that the reason names it.
      const metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
      return {
        format: metadata.format,
        width: metadata.width,
        height: metadata.height,
        pages: metadata.pages ?? 1,
      };
    } catch (error) {
      throw undecodable(error);
    }
  }

  async render(bytes: Uint8Array, limits: ImageLimits): Promise<RenderedImage[]> {
    // The pixel limit again, inside libvips: whatever a header claimed, decoding stops there.
    // failOn 'warning' (sharp's default, spelt out): a truncated upload is refused rather than
    // served with a grey band where its missing bytes would be.
    const original = sharp(bytes, { limitInputPixels: limits.maxPixels, failOn: 'warning' })
      // The EXIF orientation goes into the pixels, since the EXIF block itself goes away.
      .autoOrient();
    const rendered: RenderedImage[] = [];
    for (const name of RENDITION_NAMES) {
      const { longSide } = RENDITION_SIZES[name];
      const fitted = original
        .clone()
        .resize({ width: longSide, height: longSide, fit: 'inside', withoutEnlargement: true })
        // sharp writes no EXIF, XMP or IPTC unless asked to; the ICC profile is the one kept.
        .keepIccProfile();
      for (const format of RENDITION_FORMAT_NAMES) {
        const started = performance.now();
        let output: { data: Buffer; info: sharp.OutputInfo };
        try {
          output = await ENCODERS[format](fitted.clone()).toBuffer({ resolveWithObject: true });
        } catch (error) {
          throw undecodable(error);
        }
        rendered.push({
          name,
          format,
          width: output.info.width,
          height: output.info.height,
          bytes: output.data,
          renderMs: Math.round(performance.now() - started),
        });
      }
    }
    return rendered;
  }
}
