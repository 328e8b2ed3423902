/**
 * The dashboard's server side: {@link registerDashboard} mounts the built web app and its extra
 * read-only routes on a server made by `createServer`. Explicit re-exports only.
 * @module
 */
export { DASHBOARD_CONTENT_SECURITY_POLICY, DEFAULT_DASHBOARD_DIST, DEFAULT_MAX_STREAMS, pageMayCarryKey, registerDashboard } from './register-dashboard.js';
export type { DashboardHandle, DashboardOptions, DashboardSessionKey } from './register-dashboard.js';
export { createEventFeed } from './event-feed.js';
export type { EventFeed, EventFeedListener, EventFeedOptions, EventFeedStats, EventSubscription } from './event-feed.js';
export { createEventStats } from './event-stats.js';
export type { EventStats, ItemEventStats } from './event-stats.js';
export { createReportDirectory } from './report-directory.js';
export type { ReportDirectory, ReportDocument, ReportKind, ReportSummary } from './report-directory.js';
