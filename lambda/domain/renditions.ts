/**
 * What the app serves instead of the bytes a user uploaded: the rendition plan (which sizes, which
 * formats, where each one lives) and the limits an upload must stay within to be processed at all.
 * Pure: the image library sits behind the ImageRenderer port (photo-processing.ts).
 *
 * Every rendition is made in WebP, which every current browser and mobile OS decodes at about two
 * thirds of a JPEG's bytes, and in JPEG for the clients that cannot (old Android web views, e-mail
 * clients, some CDNs' image tools). AVIF would be smaller still, but encoding it costs several
 * times WebP's CPU per photo on Lambda. Orientation is applied to the pixels and every piece of
 * metadata is dropped but the colour profile (without it, wide-gamut phone photos look washed out).
 */
import type { PhotoContentType } from './photos';
import { MAX_PHOTO_BYTES } from '../../contract/limits';

/** The renditions of a photo, each fitted inside a square of `longSide` pixels (never enlarged). */
export const RENDITION_SIZES = {
  /** Listings and the feed. */
  thumbnail: { longSide: 256 },
  /** The photo page: a phone screen's width at 3x, a laptop's at 1x. */
  display: { longSide: 1600 },
} as const;
export type RenditionName = keyof typeof RENDITION_SIZES;
export const RENDITION_NAMES = Object.keys(RENDITION_SIZES) as RenditionName[];

/** Each rendition's encodings: the format's file extension and the object's Content-Type. */
export const RENDITION_FORMATS = {
  webp: { extension: 'webp', contentType: 'image/webp' },
  jpeg: { extension: 'jpg', contentType: 'image/jpeg' },
} as const;
export type RenditionFormat = keyof typeof RENDITION_FORMATS;
export const RENDITION_FORMAT_NAMES = Object.keys(RENDITION_FORMATS) as RenditionFormat[];

/** Renditions live apart from the originals, so grants and lifecycle can tell them apart. */
export const RENDITION_KEY_PREFIX = 'renditions/';

/** Where one encoding of one rendition of a photo lives. Fixed by the photo, so a retry overwrites it. */
export function renditionKey(
  photo: { readonly ownerId: string; readonly photoId: string },
  name: RenditionName,
  format: RenditionFormat,
): string {
  return `${RENDITION_KEY_PREFIX}${photo.ownerId}/${photo.photoId}/${name}.${RENDITION_FORMATS[format].extension}`;
}

/** Every object key the plan can write for a photo: what deleting the photo deletes. */
export function renditionKeysOf(photo: { readonly ownerId: string; readonly photoId: string }): string[] {
  return RENDITION_NAMES.flatMap((name) =>
    RENDITION_FORMAT_NAMES.map((format) => renditionKey(photo, name, format)),
  );
}

/** The size of each rendition as made: what clients need to lay a page out before the bytes arrive. */
export type RenditionDimensions = Readonly<
  Record<RenditionName, { readonly width: number; readonly height: number }>
>;

/** One encoded rendition, ready to store. */
export interface RenderedImage {
  readonly name: RenditionName;
  readonly format: RenditionFormat;
  readonly width: number;
  readonly height: number;
  readonly bytes: Uint8Array;
  /** Time to decode, fit and encode it, for the logs. */
  readonly renderMs?: number;
}

/** What an image's header says, read before any pixel is decoded. */
export interface ImageFacts {
  /** The decoder that recognised it, in the image library's words (jpeg, png, webp, heif, gif...). */
  readonly format: string;
  /** Stored width and height: before orientation, which only swaps them. */
  readonly width: number;
  readonly height: number;
  /** Frames in the file: more than one is an animation. */
  readonly pages: number;
}

export interface ImageLimits {
  /** Larger objects are not even downloaded. */
  readonly maxInputBytes: number;
  /**
   * Larger images are not decoded: a few kilobytes of PNG or WebP can declare 50,000 x 50,000
   * pixels (10 GB of RGBA), which would take down the function that decodes them.
   */
  readonly maxPixels: number;
}

/**
 * The limits in force. Input bytes: what an upload URL can be signed for (so the check only bites
 * when an object got there some other way). Pixels: 64 million is above every phone camera's
 * default output (48-50 MP sensors write about 12 MP by default and at most 50 MP) and decodes in
 * well under the function's memory (256 MB as RGBA).
 */
export const IMAGE_LIMITS: ImageLimits = { maxInputBytes: MAX_PHOTO_BYTES, maxPixels: 64_000_000 };

/** The image library's name for each declared type's format. */
const DECODER_OF: Readonly<Record<PhotoContentType, string>> = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/heic': 'heif',
};

/**
 * Declared types the renderer cannot decode. sharp's prebuilt libvips reads HEIF with AV1 inside
 * (AVIF) only: an HEVC decoder is not part of it for patent reasons. POST /photos accepts none of
 * them (UPLOAD_CONTENT_TYPES); one uploaded before it refused them is REJECTED with this reason
 * instead of being taken for corrupt.
 */
export const UNDECODABLE_TYPES: ReadonlySet<PhotoContentType> = new Set(['image/heic']);

/** Why the object's size keeps it from being processed, or undefined. */
export function inputSizeProblem(sizeBytes: number, limits: ImageLimits): string | undefined {
  return sizeBytes > limits.maxInputBytes
    ? `input is ${sizeBytes} bytes, over the limit of ${limits.maxInputBytes}`
    : undefined;
}

/** Why the declared type cannot be processed at all, or undefined. */
export function declaredTypeProblem(declared: PhotoContentType): string | undefined {
  return UNDECODABLE_TYPES.has(declared)
    ? `${declared} images cannot be decoded here; upload JPEG, PNG or WebP`
    : undefined;
}

/**
 * Why an image whose header says `facts` must not be decoded, or undefined: its bytes are another
 * format than the declared one, it is animated, or it has more pixels than the limit. In that order,
 * so that the reason names the most basic problem.
 */
export function imageProblem(
  declared: PhotoContentType,
  facts: ImageFacts,
  limits: ImageLimits,
): string | undefined {
  const expected = DECODER_OF[declared];
  if (facts.format !== expected) {
    return `content is ${facts.format}, not the declared ${declared}`;
  }
  if (facts.pages > 1) return `animated images are not supported (${facts.pages} frames)`;
  const pixels = facts.width * facts.height;
  if (!(pixels > 0)) return 'image has no pixels';
  if (pixels > limits.maxPixels) {
    return `image is ${facts.width} x ${facts.height} = ${pixels} pixels, over the limit of ${limits.maxPixels}`;
  }
  return undefined;
}

/** The dimensions stored on the photo, from what was rendered. */
export function dimensionsOf(rendered: readonly RenderedImage[]): RenditionDimensions {
  const entry = (name: RenditionName) => {
    const image = rendered.find((candidate) => candidate.name === name);
    if (!image) throw new Error(`No ${name} rendition was made`);
    return { width: image.width, height: image.height };
  };
  return { thumbnail: entry('thumbnail'), display: entry('display') };
}
