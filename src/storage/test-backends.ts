/**
 * `LMREC_TEST_BACKENDS`: which storage backends the storage tests run, for local runs
 * (`LMREC_TEST_BACKENDS=sqlite npx vitest run src/storage` leaves PostgreSQL out). Unset or empty:
 * every backend.
 * @module
 */

/** The backends the storage tests know. */
export type TestBackend = 'sqlite' | 'postgres';

/** Whether the storage tests should run `backend` (`LMREC_TEST_BACKENDS`, comma-separated; default all). */
export function testBackendEnabled(backend: TestBackend, env: Record<string, string | undefined> = process.env): boolean {
  const list = env.LMREC_TEST_BACKENDS;
  if (list === undefined || list.trim() === '') return true;
  return list
    .split(',')
    .map((entry) => entry.trim().toLowerCase())
    .includes(backend);
}
