/**
 * Zod schemas of the domain records as they arrive in JSONL files (and in the JSON `attributes`
 * column of CSV files). They mirror `core/types.ts` with two conveniences: integer ids are accepted
 * and turned into strings, and `timestamp` / `createdAt` may be text (ISO 8601, or an epoch value
 * read with the CSV magnitude heuristic); a JSON number is always ms. Unknown keys are
 * rejected so that a misspelt field (`userid`) is an error rather than silently lost data.
 * @module
 */
import { z } from 'zod';
import { EVENT_TYPES, ITEMLESS_EVENT_TYPES } from '../core/types.js';
import type { JsonValue } from '../core/types.js';
import { parseTimestamp } from './parse-timestamp.js';

/** Any JSON value. */
export const jsonValueSchema: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([z.string(), z.number().finite(), z.boolean(), z.null(), z.array(jsonValueSchema), z.record(jsonValueSchema)]),
);

/** A JSON object of attributes. */
export const attributesSchema = z.record(jsonValueSchema);

/** An external id: a non-empty string, or an integer that is turned into one. */
export const idSchema = z.union([z.string().trim().min(1, 'expected a non-empty id'), z.number().int().transform(String)]);

/** ms since the epoch as a number, or text converted to ms by {@link parseTimestamp}. */
export const timeSchema = z.union([
  z.number().finite(),
  z.string().transform((text, ctx) => {
    const ms = parseTimestamp(text);
    if (ms === undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `expected ms since the epoch or ISO 8601 text, got ${JSON.stringify(text)}` });
      return z.NEVER;
    }
    return ms;
  }),
]);

/** An {@link Item} record. */
export const itemRecordSchema = z
  .object({
    id: idSchema,
    title: z.string().trim().min(1, 'expected a non-empty title'),
    text: z.string().optional(),
    attributes: attributesSchema.optional(),
    createdAt: timeSchema.optional(),
    available: z.boolean().optional(),
  })
  .strict();

/** A {@link User} record. */
export const userRecordSchema = z.object({ id: idSchema, attributes: attributesSchema.optional() }).strict();

/** An {@link Event} record; `timestamp` may be omitted (the importer then uses the line order). */
export const eventRecordSchema = z
  .object({
    userId: idSchema,
    itemId: idSchema.optional(),
    type: z.enum(EVENT_TYPES),
    value: z.number().finite().optional(),
    text: z.string().optional(),
    timestamp: timeSchema.optional(),
    context: attributesSchema.optional(),
  })
  .strict()
  .superRefine((event, ctx) => {
    if (event.itemId === undefined && !ITEMLESS_EVENT_TYPES.has(event.type)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['itemId'], message: `required for event type "${event.type}"` });
    }
  });

/** Record schema per kind. */
export const RECORD_SCHEMAS = {
  items: itemRecordSchema,
  users: userRecordSchema,
  events: eventRecordSchema,
} as const;
