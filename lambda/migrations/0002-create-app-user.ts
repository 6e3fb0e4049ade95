/**
 * The application's login role. It has no password: in AWS it signs in with IAM tokens through
 * RDS Proxy, which needs the rds_iam role (present in Aurora, absent in a plain PostgreSQL).
 * It gets only the privileges the handlers use: no DELETE, no DDL.
 */
export const id = '0002-create-app-user';

/** One statement per entry: the RDS Data API runs a single statement per call. */
export const sql: readonly string[] = [
  `DO $$
   BEGIN
     IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'app_user') THEN
       CREATE ROLE app_user LOGIN;
     END IF;
     IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam') THEN
       GRANT rds_iam TO app_user;
     END IF;
   END
   $$`,
  `GRANT SELECT, INSERT, UPDATE ON profiles TO app_user`,
  `GRANT SELECT, INSERT, UPDATE ON counted_photos TO app_user`,
];
