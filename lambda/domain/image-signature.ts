/**
 * Which image format an object's first bytes show (its magic number). The uploader declares a type
 * and S3 stores whatever bytes arrive, so the declared type is only believed when the bytes agree.
 */
import type { PhotoContentType } from './photos';

/** Enough for every signature below, including the first compatible brands of an ftyp box. */
export const IMAGE_SIGNATURE_BYTES = 32;

const JPEG = [0xff, 0xd8, 0xff];
const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** HEIF brands whose image coding is HEVC, i.e. what image/heic names. */
const HEVC_BRANDS = new Set(['heic', 'heix', 'heim', 'heis', 'hevc', 'hevx']);
/** Generic HEIF brands: a HEIC file may carry one as its major brand, and so may AVIF. */
const GENERIC_HEIF_BRANDS = new Set(['mif1', 'msf1']);

const startsWith = (bytes: Uint8Array, prefix: readonly number[], offset = 0): boolean =>
  bytes.length >= offset + prefix.length && prefix.every((value, index) => bytes[offset + index] === value);

const ascii = (bytes: Uint8Array, start: number, end: number): string =>
  String.fromCharCode(...bytes.subarray(start, end));

function isHeic(bytes: Uint8Array): boolean {
  // ISO BMFF: a big-endian box size, then the box type "ftyp", the major brand, a minor version
  // and compatible brands up to the end of the box.
  if (bytes.length < 16 || ascii(bytes, 4, 8) !== 'ftyp') return false;
  const boxSize = ((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]) >>> 0;
  if (boxSize < 16) return false;
  const major = ascii(bytes, 8, 12);
  if (HEVC_BRANDS.has(major)) return true;
  if (!GENERIC_HEIF_BRANDS.has(major)) return false;
  // A generic major brand says "some HEIF"; only an HEVC compatible brand makes it HEIC (AVIF lists
  // mif1 too).
  const end = Math.min(boxSize, bytes.length);
  for (let offset = 16; offset + 4 <= end; offset += 4) {
    if (HEVC_BRANDS.has(ascii(bytes, offset, offset + 4))) return true;
  }
  return false;
}

/** The supported type the bytes are, or undefined when they are none of them. */
export function detectImageType(bytes: Uint8Array): PhotoContentType | undefined {
  if (startsWith(bytes, JPEG)) return 'image/jpeg';
  if (startsWith(bytes, PNG)) return 'image/png';
  if (bytes.length >= 12 && ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 12) === 'WEBP') {
    return 'image/webp';
  }
  if (isHeic(bytes)) return 'image/heic';
  return undefined;
}

/** Why the bytes do not match the declared type, or undefined when they do. */
export function imageSignatureMismatch(declared: PhotoContentType, bytes: Uint8Array): string | undefined {
  const actual = detectImageType(bytes);
  if (actual === declared) return undefined;
  return actual
    ? `content is ${actual}, not the declared ${declared}`
    : `content does not look like ${declared}`;
}
