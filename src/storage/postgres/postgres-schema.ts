/**
 * Schema of the PostgreSQL backend as an ordered list of migrations, recorded in
 * `lmrec_schema_migrations`. Opening a database applies the migrations it lacks, each in one
 * transaction under a transaction-scoped advisory lock, so two processes starting at once on a new
 * database do not both migrate: the second waits for the lock, re-reads the version and finds
 * nothing left to do.
 *
 * Column choices: ids are `text COLLATE "C"` so listings order by code point as SQLite's do (the
 * database's locale would order `B` and `a` differently); times and event values are `double
 * precision` (the port takes any finite number of ms; SQLite keeps them exactly, and so does
 * float8 for every integer up to 2^53); attributes, contexts and metadata are JSON text, kept as
 * written; payload chunks and vectors are `bytea`, stored uncompressed (`STORAGE EXTERNAL`: model
 * floats do not compress, and compressing 64 MiB chunks would only cost time).
 * @module
 */
import { BackendError } from '../../core/errors.js';
import type { PgClient } from './pg-driver.js';

/** One schema step; `sql` may hold several statements. */
export interface PostgresMigration {
  /** 1, 2, …; applied in order, each exactly once. */
  version: number;
  /** What it changes, for humans reading the table. */
  description: string;
  /** DDL, run in the migration's transaction. */
  sql: string;
}

/** Every migration, oldest first. Never edit a released entry: append a new one. */
export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    description: 'catalogue, users, event log, models in chunks, embeddings, impressions and clicks, erasure and import logs, settings',
    sql: `
      CREATE TABLE items (
        id         text COLLATE "C" PRIMARY KEY,
        title      text NOT NULL,
        text       text,
        attributes text,
        created_at double precision,
        available  boolean NOT NULL DEFAULT true
      );
      CREATE TABLE users (
        id         text COLLATE "C" PRIMARY KEY,
        attributes text
      );
      -- Highest number handed out per log ('events', 'erasures', 'imports'). Appending takes the row
      -- lock of its counter until commit (see postgres-event-log.ts), so numbers commit in order.
      CREATE TABLE counters (
        name  text COLLATE "C" PRIMARY KEY,
        value bigint NOT NULL
      );
      INSERT INTO counters (name, value) VALUES ('events', 0), ('erasures', 0), ('imports', 0);
      -- No foreign keys: events may name users and items the catalogue does not (yet) hold, and
      -- deleting an item keeps its events as history.
      CREATE TABLE events (
        seq     bigint PRIMARY KEY,
        user_id text COLLATE "C" NOT NULL,
        item_id text COLLATE "C",
        type    text NOT NULL,
        value   double precision,
        text    text,
        ts      double precision NOT NULL,
        context text
      );
      CREATE INDEX events_user_ts_seq ON events (user_id, ts, seq);
      CREATE INDEX events_item ON events (item_id);
      CREATE INDEX events_ts ON events (ts);
      CREATE TABLE models (
        name       text COLLATE "C" NOT NULL,
        version    integer NOT NULL,
        created_at double precision NOT NULL,
        meta       text NOT NULL,
        PRIMARY KEY (name, version)
      );
      CREATE TABLE model_chunks (
        name    text COLLATE "C" NOT NULL,
        version integer NOT NULL,
        idx     integer NOT NULL,
        data    bytea NOT NULL,
        PRIMARY KEY (name, version, idx)
      );
      ALTER TABLE model_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
      CREATE TABLE model_active (
        name         text COLLATE "C" PRIMARY KEY,
        version      integer NOT NULL,
        activated_at double precision NOT NULL
      );
      -- Highest version ever assigned per model, so a deleted version's number is never reused.
      CREATE TABLE model_counters (
        name         text COLLATE "C" PRIMARY KEY,
        last_version integer NOT NULL
      );
      CREATE TABLE embeddings (
        encoder text COLLATE "C" NOT NULL,
        hash    text COLLATE "C" NOT NULL,
        dim     integer NOT NULL,
        vector  bytea NOT NULL,
        PRIMARY KEY (encoder, hash)
      );
      CREATE TABLE impressions (
        id            text COLLATE "C" PRIMARY KEY,
        user_id       text COLLATE "C" NOT NULL,
        model_version text COLLATE "C" NOT NULL,
        variant       text COLLATE "C" NOT NULL,
        item_ids      text NOT NULL,
        created_at    double precision NOT NULL
      );
      CREATE INDEX impressions_user ON impressions (user_id);
      CREATE INDEX impressions_created ON impressions (created_at);
      CREATE TABLE clicks (
        impression_id text COLLATE "C" NOT NULL,
        item_id       text COLLATE "C" NOT NULL,
        at            double precision NOT NULL,
        PRIMARY KEY (impression_id, item_id)
      );
      -- One row per deleted user who had events; no user id (the log must not keep the identity).
      CREATE TABLE erasures (
        id        bigint PRIMARY KEY,
        first_seq bigint NOT NULL,
        at        double precision NOT NULL
      );
      CREATE TABLE imports (
        id     bigint PRIMARY KEY,
        hash   text COLLATE "C" NOT NULL,
        source text NOT NULL,
        format text NOT NULL,
        at     double precision NOT NULL,
        items  integer NOT NULL,
        users  integer NOT NULL,
        events integer NOT NULL
      );
      CREATE INDEX imports_hash ON imports (hash);
      CREATE TABLE settings (
        key        text COLLATE "C" PRIMARY KEY,
        value      text NOT NULL,
        version    integer NOT NULL,
        updated_at double precision NOT NULL
      );
    `,
  },
  {
    version: 2,
    description: 'generative-model answers cached by model and prompt hash; generated item descriptions beside the items',
    sql: `
      CREATE TABLE llm_cache (
        model      text COLLATE "C" NOT NULL,
        hash       text COLLATE "C" NOT NULL,
        response   text NOT NULL,
        created_at double precision NOT NULL,
        PRIMARY KEY (model, hash)
      );
      CREATE TABLE generated_texts (
        item_id        text COLLATE "C" PRIMARY KEY,
        text           text NOT NULL,
        model          text NOT NULL,
        prompt_version text NOT NULL,
        created_at     double precision NOT NULL
      );
    `,
  },
  {
    version: 3,
    description: 'the catalogue change log other serving processes follow (written by a trigger on items), and leases for the one trainer',
    sql: `
      -- A change takes the next number of its counter row, whose lock is held until commit (as for
      -- events), so numbers commit in order and a follower reading after the last one it saw misses none.
      INSERT INTO counters (name, value) VALUES ('changes', 0) ON CONFLICT (name) DO NOTHING;
      CREATE TABLE changes (
        seq  bigint PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('item-upsert', 'item-delete')),
        id   text COLLATE "C" NOT NULL,
        at   double precision NOT NULL
      );
      CREATE INDEX changes_at ON changes (at);
      CREATE FUNCTION lmrec_item_change() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        next_seq bigint;
      BEGIN
        UPDATE counters SET value = value + 1 WHERE name = 'changes' RETURNING value INTO next_seq;
        IF TG_OP = 'DELETE' THEN
          INSERT INTO changes (seq, kind, id, at) VALUES (next_seq, 'item-delete', OLD.id, extract(epoch FROM clock_timestamp()) * 1000);
          RETURN OLD;
        END IF;
        INSERT INTO changes (seq, kind, id, at) VALUES (next_seq, 'item-upsert', NEW.id, extract(epoch FROM clock_timestamp()) * 1000);
        RETURN NEW;
      END
      $$;
      CREATE TRIGGER items_changes AFTER INSERT OR UPDATE OR DELETE ON items FOR EACH ROW EXECUTE FUNCTION lmrec_item_change();
      CREATE TABLE leases (
        name       text COLLATE "C" PRIMARY KEY,
        holder     text NOT NULL,
        expires_at double precision NOT NULL
      );
    `,
  },  {
    version: 4,
    description: 'NOTIFY lmrec_changes when events, catalogue changes or erasures are appended, so other processes read at once',
    sql: `
      CREATE FUNCTION lmrec_notify_changes() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('lmrec_changes', TG_TABLE_NAME);
        RETURN NULL;
      END
      $$;
      CREATE TRIGGER events_notify AFTER INSERT ON events FOR EACH STATEMENT EXECUTE FUNCTION lmrec_notify_changes();
      CREATE TRIGGER changes_notify AFTER INSERT ON changes FOR EACH STATEMENT EXECUTE FUNCTION lmrec_notify_changes();
      CREATE TRIGGER erasures_notify AFTER INSERT ON erasures FOR EACH STATEMENT EXECUTE FUNCTION lmrec_notify_changes();
    `,
  },
  {
    version: 5,
    description: 'snapshots of derived state (the live item counts a server tallies on start)',
    sql: `
      CREATE TABLE snapshots (
        name     text COLLATE "C" PRIMARY KEY,
        meta     text NOT NULL,
        version  integer NOT NULL,
        chunks   integer NOT NULL,
        bytes    bigint NOT NULL,
        saved_at double precision NOT NULL
      );
      CREATE TABLE snapshot_chunks (
        name text COLLATE "C" NOT NULL,
        idx  integer NOT NULL,
        data bytea NOT NULL,
        PRIMARY KEY (name, idx)
      );
    `,
  },
  {
    version: 6,
    description: 'the number of times snapshots were removed by a write of events (a snapshot read before one is not stored)',
    sql: `
      INSERT INTO counters (name, value) VALUES ('snapshot-clears', 0) ON CONFLICT (name) DO NOTHING;
    `,
  },
];

/** Latest schema version this build knows. */
export const POSTGRES_SCHEMA_VERSION = POSTGRES_MIGRATIONS[POSTGRES_MIGRATIONS.length - 1].version;

/** Key of the advisory lock that serialises migrations (any fixed 64-bit number; "lmrec" in ASCII). */
export const MIGRATION_LOCK_KEY = 0x6c6d726563;

async function currentVersion(client: PgClient): Promise<number> {
  const table = await client.query<{ present: boolean }>({ text: "SELECT to_regclass('lmrec_schema_migrations') IS NOT NULL AS present" });
  if (!table.rows[0].present) return 0;
  const row = await client.query<{ version: number | null }>({ text: 'SELECT MAX(version) AS version FROM lmrec_schema_migrations' });
  return row.rows[0].version ?? 0;
}

/**
 * Brings the schema up to {@link POSTGRES_SCHEMA_VERSION} on `client` (outside any transaction),
 * creating `schema` first when given (the connection's `search_path` names it).
 * Reads the version first without locking (the common case: nothing to do); otherwise takes the
 * advisory lock in a transaction, reads again and applies what is missing, all or nothing. Refuses
 * a database written by a newer build rather than risk misreading it.
 */
export async function migratePostgresSchema(client: PgClient, options: { schema?: string; now?: () => number } = {}): Promise<number> {
  const now = options.now ?? Date.now;
  const seen = await currentVersion(client);
  if (seen === POSTGRES_SCHEMA_VERSION) return seen;
  if (seen > POSTGRES_SCHEMA_VERSION) throw newerSchema(seen);
  await client.query({ text: 'BEGIN' });
  try {
    await client.query({ text: 'SELECT pg_advisory_xact_lock($1)', values: [MIGRATION_LOCK_KEY] });
    // The name was checked to be a plain identifier (postgres-url.ts), so it needs no quoting.
    if (options.schema !== undefined) await client.query({ text: `CREATE SCHEMA IF NOT EXISTS ${options.schema}` });
    await client.query({
      text: `CREATE TABLE IF NOT EXISTS lmrec_schema_migrations (
        version     integer PRIMARY KEY,
        description text NOT NULL,
        applied_at  double precision NOT NULL
      )`,
    });
    const from = await currentVersion(client);
    if (from > POSTGRES_SCHEMA_VERSION) throw newerSchema(from);
    for (const migration of POSTGRES_MIGRATIONS) {
      if (migration.version <= from) continue;
      await client.query({ text: migration.sql });
      await client.query({
        text: 'INSERT INTO lmrec_schema_migrations (version, description, applied_at) VALUES ($1, $2, $3)',
        values: [migration.version, migration.description, now()],
      });
    }
    await client.query({ text: 'COMMIT' });
  } catch (error) {
    await client.query({ text: 'ROLLBACK' }).catch(() => undefined);
    throw error;
  }
  return POSTGRES_SCHEMA_VERSION;
}

function newerSchema(version: number): BackendError {
  return new BackendError(`database schema version ${version} is newer than this build supports (${POSTGRES_SCHEMA_VERSION}); upgrade lmrec`, {
    details: { schemaVersion: version, supported: POSTGRES_SCHEMA_VERSION },
  });
}
