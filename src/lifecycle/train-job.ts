/**
 * Training jobs: their states and status records, and the messages a training worker exchanges
 * with the thread that started it.
 * @module
 */
import type { FitReport, ModelParams } from '../models/recommender.js';
import type { EncoderConfig } from '../encoders/create-encoder.js';
import type { FeedbackPolicy } from '../engine/feedback-policy.js';
import type { DomainTemplate } from '../text/verbalizer.js';
import type { LogLevel } from '../core/logger.js';
import type { EvaluationReportRef } from './evaluation-job.js';

/** Where a job is in its life: queued → running → succeeded | failed | cancelled. */
export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** Progress of a running job in its current phase (`read events`, `fit`, `save`, …). */
export interface JobProgress {
  phase: string;
  done: number;
  total: number;
}

/** Why a job failed: the error's stable code, message and details. */
export interface JobError {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

/** What a successful job produced. */
export interface JobResult {
  /** The stored version (0 for a job that stores none: an evaluation). */
  version: number;
  params: ModelParams;
  fit: FitReport;
  users: number;
  items: number;
  interactions: number;
  /** Where an evaluation job wrote its report. */
  report?: EvaluationReportRef;
}

/** A snapshot of one training job; a copy, so callers may keep it. */
export interface JobStatus {
  id: string;
  /** Model name (kind), e.g. `ease`. */
  model: string;
  params: ModelParams;
  state: JobState;
  /** Why the job exists: `api`, `schedule`, `events`, `demo`, … */
  reason: string;
  /** When it was queued, started and finished, ms since epoch. */
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  progress?: JobProgress;
  /** Set when the job succeeded. */
  result?: JobResult;
  /** Whether the new version was put into service when the job finished. */
  activated?: boolean;
  /** Set when the job failed or was cancelled. */
  error?: JobError;
}

/** What a training worker is given (structured-cloneable plain data). */
export interface TrainWorkerData {
  storageUrl: string;
  model: string;
  params: ModelParams;
  encoder?: EncoderConfig;
  feedback?: FeedbackPolicy;
  template?: DomainTemplate;
  /** How long the worker's storage waits for another writer's lock, ms. */
  busyTimeoutMs?: number;
  /** Lowest level of log records forwarded to the parent. */
  logLevel: LogLevel;
  /** Where an evaluation job writes its report folder. */
  reportsDir?: string;
}

/** Messages from a training worker. */
export type WorkerMessage =
  | { type: 'progress'; phase: string; done: number; total: number }
  | { type: 'log'; level: LogLevel; message: string; fields?: Record<string, unknown> }
  | { type: 'done'; result: JobResult }
  | { type: 'error'; error: JobError };

/** Messages to a training worker. */
export type ParentMessage = { type: 'abort' };
