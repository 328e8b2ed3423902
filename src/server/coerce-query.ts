/**
 * Query strings arrive as text; bodies must not be coerced (a string where a number belongs is a
 * client error). The server's validator therefore never coerces, and this module converts query
 * and path values to the types their route schema declares before validation runs. A value that
 * does not convert is left as it is, so the validator reports it by name.
 * @module
 */

/** The slice of a JSON schema this module reads. */
export interface QuerySchema {
  properties?: Record<string, { type?: string | string[]; items?: { type?: string } }>;
  patternProperties?: Record<string, { type?: string | string[] }>;
}

function typeOf(schema: { type?: string | string[] } | undefined): string | undefined {
  const t = schema?.type;
  return Array.isArray(t) ? t.find((x) => x !== 'null') : t;
}

function convert(value: string, type: string | undefined): unknown {
  switch (type) {
    case 'integer':
    case 'number': {
      if (value.trim() === '') return value;
      const n = Number(value);
      return Number.isFinite(n) ? n : value;
    }
    case 'boolean':
      return value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value;
    default:
      return value;
  }
}

/**
 * A copy of `query` with each declared property converted: numbers and booleans from text, and
 * arrays from repeated keys or comma-separated values (`exclude=a,b&exclude=c` → `['a','b','c']`).
 */
export function coerceQuery(schema: QuerySchema | undefined, query: unknown): unknown {
  if (schema === undefined || typeof query !== 'object' || query === null) return query;
  const out: Record<string, unknown> = { ...(query as Record<string, unknown>) };
  const patterns = Object.entries(schema.patternProperties ?? {}).map(([p, s]) => [new RegExp(p), s] as const);
  for (const [key, raw] of Object.entries(out)) {
    const declared = schema.properties?.[key] ?? patterns.find(([re]) => re.test(key))?.[1];
    if (declared === undefined) continue;
    const type = typeOf(declared);
    const values = Array.isArray(raw) ? (raw as unknown[]) : [raw];
    if (type === 'array') {
      const itemType = typeOf((declared as { items?: { type?: string } }).items);
      out[key] = values.flatMap((v) => (typeof v === 'string' ? v.split(',').filter((s) => s !== '') : [v])).map((v) => (typeof v === 'string' ? convert(v, itemType) : v));
    } else if (values.length === 1 && typeof values[0] === 'string') {
      out[key] = convert(values[0], type);
    }
  }
  return out;
}
