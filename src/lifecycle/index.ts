/**
 * Model lifecycle: background training in worker threads, retrain schedule, versions, hot swap,
 * rollback, and first-start preparation of the demo.
 * @module
 */
export { createLifecycle } from './lifecycle.js';
export type { ErasureCompletion, Lifecycle, LifecycleOptions, ManagedLifecycle } from './lifecycle.js';
export { KEPT_ON_ERASURE, erasuresTainting, isTrainedOnErasedData, purgeErasedVersions } from './erased-versions.js';
export type { ErasurePurge, ModelVersionRef, PurgeErasedVersionsOptions } from './erased-versions.js';
export { createTrainer } from './trainer.js';
export type { StartJobOptions, Trainer, TrainerOptions, TrainJob } from './trainer.js';
export type { JobError, JobProgress, JobResult, JobState, JobStatus } from './train-job.js';
export { ModelManager } from './model-manager.js';
export type { FollowStorageOptions, ModelManagerOptions, ModelVersionInfo, ModelVersions, StorageChange } from './model-manager.js';
export { createRetrainScheduler } from './retrain-scheduler.js';
export type { RetrainReason, RetrainScheduler, RetrainSchedulerOptions } from './retrain-scheduler.js';
export { parseDuration } from './parse-duration.js';
export { DEMO_DATA_DIR, DEMO_MODELS, prepareDemo } from './prepare-demo.js';
export type { DemoModel, DemoReport, PrepareDemoOptions } from './prepare-demo.js';
export { DEFAULT_TRAIN_PARAMS, describeParams, resolveTrainParams } from './train-defaults.js';
export type { ResolvedTrainParams } from './train-defaults.js';
export { EVALUATION_JOB, EVALUATION_PROTOCOLS, MAX_EVALUATION_MODELS, evaluationParams, evaluationProtocol, runEvaluation } from './evaluation-job.js';
export type { EvaluationProtocol, EvaluationReportRef, EvaluationRequest, RunEvaluationOptions } from './evaluation-job.js';
export { DEFAULT_TRAINER_LEASE_MS, TRAINER_LEASE, startTrainerLease } from './trainer-lease.js';
export type { TrainerLease, TrainerLeaseOptions } from './trainer-lease.js';
