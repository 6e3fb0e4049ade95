/**
 * What S3 does with a presigned URL, without S3: recomputes the SigV4 query signature of a request
 * as a client would send it, and says whether S3 would accept it. Written from the SigV4 spec, not
 * with the SDK's signer, so that the test does not check the SDK against itself. (s3rver does not
 * verify V4 signatures, so the local engines cannot show this.)
 */
import { createHash, createHmac } from 'node:crypto';

const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data).digest();

/** RFC 3986 encoding, as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
const encode = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export interface SentRequest {
  readonly method: string;
  /** Headers as the client sends them, any case; Host comes from the URL. */
  readonly headers: Readonly<Record<string, string>>;
}

export function s3WouldAccept(url: string, request: SentRequest, secretAccessKey: string): boolean {
  const parsed = new URL(url);
  const query = parsed.searchParams;
  const provided = query.get('X-Amz-Signature');
  const signedHeaders = query.get('X-Amz-SignedHeaders');
  const credential = query.get('X-Amz-Credential');
  const amzDate = query.get('X-Amz-Date');
  if (!provided || !signedHeaders || !credential || !amzDate) return false;

  const sent = new Map(Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value]));
  sent.set('host', parsed.host);
  // A header the URL signed but the request lacks cannot produce the signature.
  const names = signedHeaders.split(';');
  if (names.some((name) => !sent.has(name))) return false;
  const canonicalHeaders = names.map((name) => `${name}:${(sent.get(name) ?? '').trim()}\n`).join('');
  const canonicalQuery = [...query.entries()]
    .filter(([name]) => name !== 'X-Amz-Signature')
    .map(([name, value]) => `${encode(name)}=${encode(value)}`)
    .sort()
    .join('&');
  const canonicalRequest = [
    request.method,
    parsed.pathname,
    canonicalQuery,
    canonicalHeaders,
    signedHeaders,
    query.get('X-Amz-Content-Sha256') ?? 'UNSIGNED-PAYLOAD',
  ].join('\n');

  const [, date, region, service] = credential.split('/');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    amzDate,
    scope,
    createHash('sha256').update(canonicalRequest).digest('hex'),
  ].join('\n');
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), region), service), 'aws4_request');
  return hmac(signingKey, stringToSign).toString('hex') === provided;
}
