/**
 * Profiles, and the ledger of counted photos that keeps photo_count exact under stream replays:
 * a photo id is inserted once when it becomes READY and tombstoned (removed_at) when deleted.
 */
export const id = '0001-create-profiles';

/** One statement per entry: the RDS Data API runs a single statement per call. */
export const sql: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS profiles (
     user_id      text PRIMARY KEY CHECK (char_length(user_id) BETWEEN 1 AND 128),
     display_name text NOT NULL CHECK (char_length(display_name) BETWEEN 1 AND 64),
     bio          text CHECK (char_length(bio) <= 500),
     photo_count  integer NOT NULL DEFAULT 0 CHECK (photo_count >= 0),
     created_at   timestamptz NOT NULL DEFAULT now(),
     updated_at   timestamptz NOT NULL DEFAULT now()
   )`,
  `CREATE TABLE IF NOT EXISTS counted_photos (
     photo_id   text PRIMARY KEY,
     user_id    text NOT NULL,
     counted_at timestamptz NOT NULL DEFAULT now(),
     removed_at timestamptz
   )`,
  `CREATE INDEX IF NOT EXISTS counted_photos_user_id_idx ON counted_photos (user_id) WHERE removed_at IS NULL`,
];
