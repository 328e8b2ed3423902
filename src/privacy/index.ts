/**
 * Privacy (C22): retention windows over events and served lists. Explicit re-exports only.
 * @module
 */
export { DEFAULT_PURGE_BATCH, DEFAULT_PURGE_PAUSE_MS, purgeExpired } from './purge-expired.js';
export type { PurgeExpiredOptions, PurgeResult } from './purge-expired.js';
export { retentionCutoffs, startRetentionSchedule } from './retention-schedule.js';
export type { RetentionSchedule, RetentionScheduleOptions, RetentionWindows } from './retention-schedule.js';
