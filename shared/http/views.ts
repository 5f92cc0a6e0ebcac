import * as z from 'zod';

/**
 * A view: the builder of one kind of answer from an allow-list. The schema names every field the answer carries
 * and parsing strips anything else (zod's default for objects), so a field added to a record never reaches a
 * caller until a view names it. The builder takes the schema's input type, so a record that drifts from its view
 * fails to compile rather than at run time. The OpenAPI document shows the same schema as the response.
 */
export function view<S extends z.ZodType>(schema: S): (value: z.input<S>) => z.output<S> {
  return (value) => schema.parse(value);
}

/** A page of a list: items built by their own view (each parsed once), and where to go on from. */
export const Page = <S extends z.ZodType>(item: S) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

/** A timestamp or date as stored (ISO 8601); not re-validated on the way out. */
export const Instant = z.string().meta({ format: 'date-time' });
