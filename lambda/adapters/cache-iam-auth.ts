/**
 * IAM authentication to ElastiCache (Valkey 7.2+ or Redis OSS 7+, TLS, an IAM-enabled user): the password is a
 * short-lived token, a SigV4-presigned `GET http://<replication group id>/?Action=connect&User=<user
 * id>` without its scheme, signed for the `elasticache` service. A token opens new connections for
 * 15 minutes; an open connection lasts up to 12 hours, after which the adapter reconnects with a
 * fresh token. No password exists anywhere: the function's role needs `elasticache:Connect` on the
 * replication group and the user.
 *
 * The AWS SDK for JavaScript has no helper for this token (it has one for RDS, which signs the same
 * way for another service), so it is built from the SDK's own signer, request and URL formatter,
 * with the same credential chain the RDS signer uses.
 */
import { formatUrl } from '@aws-sdk/core/util';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { Sha256 } from '@smithy/core/checksum';
import { HttpRequest } from '@smithy/core/protocols';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { CacheCredentials } from './profile-cache';

/** Validity of a token for opening connections, in seconds (the service's maximum). */
export const TOKEN_EXPIRY_SECONDS = 900;

export interface CacheIamAuthOptions {
  /** Replication group id (lowercase), the "host" of the signed request. */
  readonly cacheId: string;
  /** The IAM-enabled user; its user id and user name are the same. */
  readonly userId: string;
  readonly region: string;
  /** Defaults to the Node.js credential chain (the function's role in Lambda). */
  readonly credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Signing time; defaults to now. */
  readonly clock?: () => Date;
}

/** Returns a function that signs a fresh token each time a connection is opened. */
export function cacheIamCredentials(options: CacheIamAuthOptions): () => Promise<CacheCredentials> {
  const signer = new SignatureV4({
    service: 'elasticache',
    region: options.region,
    credentials: options.credentials ?? fromNodeProviderChain(),
    sha256: Sha256,
  });
  const clock = options.clock ?? (() => new Date());
  return async () => {
    const request = new HttpRequest({
      method: 'GET',
      protocol: 'http:',
      hostname: options.cacheId,
      path: '/',
      query: { Action: 'connect', User: options.userId },
      headers: { host: options.cacheId },
    });
    const presigned = await signer.presign(request, {
      expiresIn: TOKEN_EXPIRY_SECONDS,
      signingDate: clock(),
    });
    return { username: options.userId, password: formatUrl(presigned).replace(/^http:\/\//, '') };
  };
}
