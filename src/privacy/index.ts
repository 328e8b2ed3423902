/**
 * Privacy (C22): retention windows over events and served lists, pseudonymised user ids for logs.
 * Explicit re-exports only.
 * @module
 */
export { DEFAULT_PURGE_BATCH, DEFAULT_PURGE_PAUSE_MS, purgeExpired } from './purge-expired.js';
export type { PurgeExpiredOptions, PurgeResult } from './purge-expired.js';
export { retentionCutoffs, startRetentionSchedule } from './retention-schedule.js';
export type { RetentionSchedule, RetentionScheduleOptions, RetentionStatus, RetentionWindows } from './retention-schedule.js';
export { MIN_PSEUDONYM_SECRET, PSEUDONYM_PREFIX, createEphemeralPseudonymiser, createPseudonymiser } from './pseudonymise.js';
export type { Pseudonymiser } from './pseudonymise.js';
export { DEFAULT_PSEUDONYM_SECRET_FILE, loadPseudonymSecret } from './pseudonym-secret.js';
