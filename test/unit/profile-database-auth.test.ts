/**
 * How the pool authenticates in AWS: TLS with certificate verification, and a fresh RDS IAM token
 * (rds-signer) as the password of each new connection. Locally the app role needs no password, so
 * this checks the wiring directly.
 */
import { createDatabasePool, isDatabaseUnavailable } from '../../lambda/adapters/profile-database';

interface PoolOptions {
  ssl: unknown;
  password: () => Promise<string>;
  max: number;
  connectionTimeoutMillis: number;
}

describe('database pool in AWS', () => {
  it('verifies TLS and signs an IAM auth token for the proxy endpoint and app user', async () => {
    const pool = createDatabasePool({
      host: 'proxy.proxy-abc.eu-west-1.rds.amazonaws.com',
      port: 5432,
      database: 'photos',
      user: 'app_user',
      tls: true,
      region: 'eu-west-1',
    });
    try {
      const options = (pool as unknown as { options: PoolOptions }).options;
      expect(options.ssl).toEqual({ rejectUnauthorized: true });
      expect(options.max).toBeLessThanOrEqual(2);
      expect(options.connectionTimeoutMillis).toBeLessThanOrEqual(5000);
      const token = new URL(`https://${await options.password()}`);
      expect(token.host).toBe('proxy.proxy-abc.eu-west-1.rds.amazonaws.com:5432');
      expect(token.searchParams.get('Action')).toBe('connect');
      expect(token.searchParams.get('DBUser')).toBe('app_user');
      expect(token.searchParams.get('X-Amz-Credential')).toContain('/eu-west-1/rds-db/aws4_request');
      expect(token.searchParams.get('X-Amz-Expires')).toBe('900');
    } finally {
      await pool.end();
    }
  });

  it('classifies connection failures as unavailability and SQL errors as bugs', () => {
    expect(isDatabaseUnavailable({ code: 'ECONNREFUSED' })).toBe(true);
    expect(
      isDatabaseUnavailable({
        code: '57P01',
        message: 'terminating connection due to administrator command',
      }),
    ).toBe(true);
    expect(isDatabaseUnavailable({ code: '08006' })).toBe(true);
    expect(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(
      isDatabaseUnavailable({ code: '23505', message: 'duplicate key value violates unique constraint' }),
    ).toBe(false);
    expect(isDatabaseUnavailable({ code: '42P01', message: 'relation "x" does not exist' })).toBe(false);
  });
});
