/**
 * Schema of the SQLite backend as an ordered list of migrations, recorded in `schema_migrations`.
 * Opening a file applies the migrations it lacks, so files written by an older build keep working
 * and a later schema change is one more entry in {@link SQLITE_MIGRATIONS}.
 * @module
 */
import { BackendError } from '../../core/errors.js';
import type { SqliteDatabase } from './sqlite-driver.js';

/** One schema step; `sql` may hold several statements. */
export interface SqliteMigration {
  /** 1, 2, …; applied in order, each exactly once. */
  version: number;
  /** What it changes, for humans reading the table. */
  description: string;
  /** DDL; written with IF NOT EXISTS so that re-running it over a partial schema is harmless. */
  sql: string;
}

/** Every migration, oldest first. Never edit a released entry: append a new one. */
export const SQLITE_MIGRATIONS: readonly SqliteMigration[] = [
  {
    version: 1,
    description: 'items, users, events, models',
    sql: `
      CREATE TABLE IF NOT EXISTS items (
        id         TEXT PRIMARY KEY NOT NULL,
        title      TEXT NOT NULL,
        text       TEXT,
        attributes TEXT,
        created_at INTEGER,
        available  INTEGER NOT NULL DEFAULT 1 CHECK (available IN (0, 1))
      );
      CREATE TABLE IF NOT EXISTS users (
        id         TEXT PRIMARY KEY NOT NULL,
        attributes TEXT
      );
      -- AUTOINCREMENT so that a seq is never reused after deletions: incremental readers rely on it.
      -- No foreign keys: events may name users and items the catalogue does not (yet) hold, and
      -- deleting an item keeps its events as history.
      CREATE TABLE IF NOT EXISTS events (
        seq     INTEGER PRIMARY KEY AUTOINCREMENT,
        user_id TEXT NOT NULL,
        item_id TEXT,
        type    TEXT NOT NULL,
        value   REAL,
        text    TEXT,
        ts      INTEGER NOT NULL,
        context TEXT
      );
      CREATE INDEX IF NOT EXISTS events_user_ts_seq ON events (user_id, ts, seq);
      CREATE INDEX IF NOT EXISTS events_item ON events (item_id);
      CREATE TABLE IF NOT EXISTS models (
        name       TEXT NOT NULL,
        version    INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        meta       TEXT NOT NULL,
        payload    BLOB NOT NULL,
        PRIMARY KEY (name, version)
      );
    `,
  },
  {
    version: 2,
    description: 'embedding cache keyed by encoder and text hash',
    sql: `
      CREATE TABLE IF NOT EXISTS embeddings (
        encoder TEXT NOT NULL,
        hash    TEXT NOT NULL,
        dim     INTEGER NOT NULL,
        vector  BLOB NOT NULL,
        PRIMARY KEY (encoder, hash)
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 3,
    description: 'impressions and clicks (feedback loop), activated model versions',
    sql: `
      CREATE TABLE IF NOT EXISTS impressions (
        id            TEXT PRIMARY KEY NOT NULL,
        user_id       TEXT NOT NULL,
        model_version TEXT NOT NULL,
        variant       TEXT NOT NULL,
        item_ids      TEXT NOT NULL,
        created_at    INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS impressions_user ON impressions (user_id);
      CREATE INDEX IF NOT EXISTS impressions_created ON impressions (created_at);
      -- One row per (impression, item): a repeated click is the same click.
      CREATE TABLE IF NOT EXISTS clicks (
        impression_id TEXT NOT NULL,
        item_id       TEXT NOT NULL,
        at            INTEGER NOT NULL,
        PRIMARY KEY (impression_id, item_id)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS model_active (
        name         TEXT PRIMARY KEY NOT NULL,
        version      INTEGER NOT NULL,
        activated_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 4,
    description: 'erasure log (user deletions without the user id), model version counters (deleted versions are not renumbered)',
    sql: `
      -- One row per deleted user who had events: where their events began and when they went.
      -- No user id: the log must not keep the identity it records the erasure of.
      CREATE TABLE IF NOT EXISTS erasures (
        id        INTEGER PRIMARY KEY AUTOINCREMENT,
        first_seq INTEGER NOT NULL,
        at        INTEGER NOT NULL
      );
      -- Highest version ever assigned per model, so that deleting the newest version never lets a
      -- later save reuse its number (impressions and metrics name versions).
      CREATE TABLE IF NOT EXISTS model_counters (
        name         TEXT PRIMARY KEY NOT NULL,
        last_version INTEGER NOT NULL
      );
      INSERT OR IGNORE INTO model_counters (name, last_version) SELECT name, MAX(version) FROM models GROUP BY name;
    `,
  },
  {
    version: 5,
    description: 'import log (content hash per imported source)',
    sql: `
      -- One row per import; a hash seen before means the same content was imported before.
      CREATE TABLE IF NOT EXISTS imports (
        id     INTEGER PRIMARY KEY AUTOINCREMENT,
        hash   TEXT NOT NULL,
        source TEXT NOT NULL,
        format TEXT NOT NULL,
        at     INTEGER NOT NULL,
        items  INTEGER NOT NULL,
        users  INTEGER NOT NULL,
        events INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS imports_hash ON imports (hash);
    `,
  },
  {
    version: 6,
    description: 'model payloads in chunks (one BLOB holds at most 1 GB)',
    sql: `
      -- A version's payload is the concatenation, by idx, of its chunks, after models.payload (the
      -- whole payload of versions saved before this migration, empty since): old rows load unchanged.
      CREATE TABLE IF NOT EXISTS model_chunks (
        name    TEXT NOT NULL,
        version INTEGER NOT NULL,
        idx     INTEGER NOT NULL,
        data    BLOB NOT NULL,
        PRIMARY KEY (name, version, idx)
      );
    `,
  },
  {
    version: 7,
    description: 'events by timestamp (retention deletes the oldest events in batches)',
    sql: `
      CREATE INDEX IF NOT EXISTS events_ts ON events (ts);
    `,
  },
  {
    version: 8,
    description: 'operator settings changed at run time (serving blocklist)',
    sql: `
      CREATE TABLE IF NOT EXISTS settings (
        key        TEXT PRIMARY KEY NOT NULL,
        value      TEXT NOT NULL,
        version    INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 9,
    description: 'generative-model answers cached by model and prompt hash; generated item descriptions beside the items',
    sql: `
      CREATE TABLE IF NOT EXISTS llm_cache (
        model      TEXT NOT NULL,
        hash       TEXT NOT NULL,
        response   TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (model, hash)
      ) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS generated_texts (
        item_id        TEXT PRIMARY KEY NOT NULL,
        text           TEXT NOT NULL,
        model          TEXT NOT NULL,
        prompt_version TEXT NOT NULL,
        created_at     INTEGER NOT NULL
      );
    `,
  },
  {
    version: 10,
    description: 'the catalogue change log other serving processes follow (written by triggers on items), and leases for the one trainer',
    sql: `
      CREATE TABLE IF NOT EXISTS changes (
        seq  INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL CHECK (kind IN ('item-upsert', 'item-delete')),
        id   TEXT NOT NULL,
        at   INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS changes_at ON changes (at);
      CREATE TRIGGER IF NOT EXISTS items_inserted AFTER INSERT ON items BEGIN
        INSERT INTO changes (kind, id, at) VALUES ('item-upsert', NEW.id, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
      END;
      CREATE TRIGGER IF NOT EXISTS items_updated AFTER UPDATE ON items BEGIN
        INSERT INTO changes (kind, id, at) VALUES ('item-upsert', NEW.id, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
      END;
      CREATE TRIGGER IF NOT EXISTS items_deleted AFTER DELETE ON items BEGIN
        INSERT INTO changes (kind, id, at) VALUES ('item-delete', OLD.id, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
      END;
      CREATE TABLE IF NOT EXISTS leases (
        name       TEXT PRIMARY KEY NOT NULL,
        holder     TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 11,
    description: 'snapshots of derived state (the live item counts a server tallies on start)',
    sql: `
      CREATE TABLE IF NOT EXISTS snapshots (
        name     TEXT PRIMARY KEY NOT NULL,
        meta     TEXT NOT NULL,
        version  INTEGER NOT NULL,
        chunks   INTEGER NOT NULL,
        bytes    INTEGER NOT NULL,
        saved_at INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS snapshot_chunks (
        name TEXT NOT NULL,
        idx  INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (name, idx)
      );
    `,
  },
  {
    version: 12,
    description: 'the number of times snapshots were removed by a write of events (a snapshot read before one is not stored)',
    sql: `
      CREATE TABLE IF NOT EXISTS snapshot_clears (
        id         INTEGER PRIMARY KEY CHECK (id = 1),
        generation INTEGER NOT NULL
      );
      INSERT OR IGNORE INTO snapshot_clears (id, generation) VALUES (1, 0);
    `,
  },
];

/** Latest schema version this build knows. */
export const SQLITE_SCHEMA_VERSION = SQLITE_MIGRATIONS[SQLITE_MIGRATIONS.length - 1].version;

function currentVersion(db: SqliteDatabase): number {
  const row = db.prepare('SELECT MAX(version) AS version FROM schema_migrations').get([]) as { version: number | null } | undefined;
  return row?.version ?? 0;
}

/**
 * Brings the schema of `db` up to {@link SQLITE_SCHEMA_VERSION}. Runs under `BEGIN IMMEDIATE` and
 * re-reads the version inside the transaction, so two processes opening a new file at once do not
 * both migrate. Refuses a file written by a newer build rather than risk misreading it.
 */
export function migrateSqliteSchema(db: SqliteDatabase, now: () => number = Date.now): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version     INTEGER PRIMARY KEY NOT NULL,
    description TEXT NOT NULL,
    applied_at  INTEGER NOT NULL
  )`);
  if (currentVersion(db) === SQLITE_SCHEMA_VERSION) return SQLITE_SCHEMA_VERSION;
  db.exec('BEGIN IMMEDIATE');
  try {
    const from = currentVersion(db);
    if (from > SQLITE_SCHEMA_VERSION) {
      throw new BackendError(
        `database schema version ${from} is newer than this build supports (${SQLITE_SCHEMA_VERSION}); upgrade lmrec`,
        { details: { schemaVersion: from, supported: SQLITE_SCHEMA_VERSION } },
      );
    }
    const record = db.prepare('INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)');
    for (const migration of SQLITE_MIGRATIONS) {
      if (migration.version <= from) continue;
      db.exec(migration.sql);
      record.run([migration.version, migration.description, now()]);
    }
    db.exec('COMMIT');
  } catch (error) {
    try {
      db.exec('ROLLBACK');
    } catch {
      // SQLite may have rolled back on its own; the original error is the one to report.
    }
    throw error;
  }
  return SQLITE_SCHEMA_VERSION;
}

/** Reads the schema version without changing anything (for read-only opens); 0 when there is no schema. */
export function readSqliteSchemaVersion(db: SqliteDatabase): number {
  const table = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get([]);
  return table === undefined ? 0 : currentVersion(db);
}
