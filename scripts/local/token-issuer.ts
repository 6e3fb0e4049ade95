/**
 * Stands in for Cognito and the API's JWT authorizer in the local dev server only: signs tokens
 * with an RS256 key pair made at start (as Cognito does), and verifies a request's bearer token the
 * way API Gateway's JWT authorizer does (signature, issuer, audience, expiry).
 */
import { SignJWT, generateKeyPair, jwtVerify } from 'jose';
import type { CryptoKey, JWTPayload } from 'jose';

const ALGORITHM = 'RS256';
/** Cognito's default ID token lifetime. */
const TOKEN_LIFETIME = '1h';

export class LocalTokenIssuer {
  private constructor(
    readonly issuer: string,
    readonly audience: string,
    private readonly privateKey: CryptoKey,
    private readonly publicKey: CryptoKey,
  ) {}

  static async create(issuer: string, audience: string): Promise<LocalTokenIssuer> {
    const { privateKey, publicKey } = await generateKeyPair(ALGORITHM);
    return new LocalTokenIssuer(issuer, audience, privateKey, publicKey);
  }

  /** An ID-token-like JWT for the user: `aud` is the app client, as the authorizer expects. */
  issue(sub: string): Promise<string> {
    return new SignJWT({ token_use: 'id' })
      .setProtectedHeader({ alg: ALGORITHM, kid: 'local' })
      .setSubject(sub)
      .setIssuer(this.issuer)
      .setAudience(this.audience)
      .setIssuedAt()
      .setExpirationTime(TOKEN_LIFETIME)
      .sign(this.privateKey);
  }

  /**
   * The claims of a valid `Bearer <token>` Authorization header, as the authorizer passes them to
   * the integration (every value a string); undefined for a missing or invalid token.
   */
  async verify(authorization: string | undefined): Promise<Record<string, string> | undefined> {
    const match = /^Bearer +(\S+)$/i.exec(authorization?.trim() ?? '');
    if (!match?.[1]) return undefined;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(match[1], this.publicKey, {
        issuer: this.issuer,
        audience: this.audience,
        algorithms: [ALGORITHM],
        requiredClaims: ['sub', 'exp'],
      }));
    } catch {
      return undefined;
    }
    return Object.fromEntries(
      Object.entries(payload).map(([name, value]) => [
        name,
        Array.isArray(value) ? `[${value.join(' ')}]` : String(value),
      ]),
    );
  }
}
