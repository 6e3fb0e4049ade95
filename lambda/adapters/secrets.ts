/** Secrets Manager reads, cached in memory by Powertools so a warm container does not refetch. */
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';

export async function fetchSecretString(secretArn: string, maxAgeSeconds = 300): Promise<string> {
  const value = await getSecret<string>(secretArn, { maxAge: maxAgeSeconds });
  if (typeof value !== 'string' || value === '') throw new Error('Secret has no SecretString');
  return value;
}
