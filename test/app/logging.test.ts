/** Structured logs carry identifiers and outcomes, never presigned URL signatures or credentials. */
import { handler as photosApi } from '../../lambda/handlers/photos-api';
import { logger } from '../../lambda/shared/powertools';
import { httpEvent, invoke } from './support/http';
import { newUserId, notifyUpload, processPhoto, putBytes, createUpload } from './support/photos';
import { samplePhoto } from '../../scripts/local/sample-photos';

describe('logging', () => {
  it('does not leak presigned URLs when logging at DEBUG through a whole upload', async () => {
    const lines: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    logger.setLogLevel('DEBUG');
    try {
      const owner = newUserId();
      const bytes = await samplePhoto({ format: 'png', width: 32, height: 24 });
      const upload = await createUpload(owner, { contentType: 'image/png', sizeBytes: bytes.length });
      await putBytes(upload, bytes);
      await notifyUpload(upload.objectKey, bytes.length);
      await processPhoto(upload.photoId);
      const get = await invoke(
        photosApi,
        httpEvent('GET /photos/{photoId}', { caller: owner, pathParameters: { photoId: upload.photoId } }),
      );
      expect(get.json.downloadUrl).toContain('X-Amz-Signature=');
      expect(get.json.renditions.thumbnail.webp).toContain('X-Amz-Signature=');
      await invoke(photosApi, httpEvent('POST /photos', { caller: owner, body: '{bad json' }));
    } finally {
      logger.setLogLevel('SILENT');
      write.mockRestore();
    }
    const output = lines.join('');
    expect(output).toContain('Upload processed');
    expect(output).toContain('Request rejected');
    expect(output).not.toMatch(/X-Amz-Signature|X-Amz-Credential|S3RVER/i);
  });
});
