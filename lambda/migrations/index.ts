/**
 * Every migration, in the order it must be applied. Append only; never edit a released one.
 * Each module exports `id` and `sql`; the CDK code hashes this folder to re-run the custom resource.
 */
import type { Migration } from '../domain/schema-migrations';
import * as createProfiles from './0001-create-profiles';
import * as createAppUser from './0002-create-app-user';

export const migrations: readonly Migration[] = [createProfiles, createAppUser];
