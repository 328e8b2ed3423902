/**
 * `pg` ships no types of its own; `pg-driver.ts` describes the slice of it this backend uses and
 * casts the module to that, so the module itself is declared opaque here.
 */
declare module 'pg' {
  const pg: unknown;
  export default pg;
}
