import type { Table } from 'drizzle-orm';
import type * as pg from './schema-pg';
import type * as sqlite from './schema-sqlite';

// Compile-time proof that schema-pg/ is a twin of schema-sqlite/: the same tables under the same
// export names, and for every table the same SQL names and the same row types ($inferSelect and
// $inferInsert, compared with a strict Equal, so optionality and `| null` count). Repositories
// are typed against SQLite's tables and run unchanged on PostgreSQL's (schema/index.ts swaps the
// bindings), which is sound only while this file type-checks. Types only: nothing here runs.
//
// A column on one side only (or a different type, nullability or default) fails `tsc -p apps/bff`
// on `Agreement` below, with one message per difference, e.g.:
//   error TS2344: Type '"users.$inferSelect: only in schema-pg: nickname" | …' does not satisfy
//   the constraint 'never'.

/** True only when A and B are the same type (not merely mutually assignable). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

/** The export names of a schema module that are tables. */
type TableNames<M> = { [K in keyof M]: M[K] extends Table ? K : never }[keyof M] & string;

type OptionalKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? K : never }[keyof T];

type TypeDiffers<S, P> = { [K in keyof S & keyof P]-?: Equal<S[K], P[K]> extends true ? never : K }[keyof S & keyof P];

/** One message per difference between two row types; never when they are equal. */
type RowMessages<Where extends string, S, P> =
  Equal<S, P> extends true
    ? never
    :
        | `${Where}: only in schema-sqlite: ${Exclude<keyof S, keyof P> & string}`
        | `${Where}: only in schema-pg: ${Exclude<keyof P, keyof S> & string}`
        | `${Where}: different type: ${TypeDiffers<S, P> & string}`
        | `${Where}: optional on one side only: ${(Exclude<OptionalKeys<S>, OptionalKeys<P>> | Exclude<OptionalKeys<P>, OptionalKeys<S>>) & string}`
        | `${Where}: the row types differ`;

type ColumnSqlName<T extends Table, C> = C extends keyof T['_']['columns'] ? T['_']['columns'][C]['_']['name'] : never;

type SqlNameMessages<Name extends string, S extends Table, P extends Table> =
  | (Equal<S['_']['name'], P['_']['name']> extends true ? never : `${Name}: different SQL table name`)
  | {
      [C in keyof S['_']['columns'] & keyof P['_']['columns'] & string]: Equal<
        ColumnSqlName<S, C>,
        ColumnSqlName<P, C>
      > extends true
        ? never
        : `${Name}.${C}: different SQL column name`;
    }[keyof S['_']['columns'] & keyof P['_']['columns'] & string];

type Sqlite = typeof sqlite;
type Pg = typeof pg;

type TableMessages<K extends string> = K extends keyof Sqlite & keyof Pg
  ? Sqlite[K] extends Table
    ? Pg[K] extends Table
      ?
          | RowMessages<`${K}.$inferSelect`, Sqlite[K]['$inferSelect'], Pg[K]['$inferSelect']>
          | RowMessages<`${K}.$inferInsert`, Sqlite[K]['$inferInsert'], Pg[K]['$inferInsert']>
          | SqlNameMessages<K, Sqlite[K], Pg[K]>
      : never
    : never
  : never;

/** Every difference between the two schemas, as readable messages. */
type Problems =
  | `table only in schema-sqlite: ${Exclude<TableNames<Sqlite>, TableNames<Pg>>}`
  | `table only in schema-pg: ${Exclude<TableNames<Pg>, TableNames<Sqlite>>}`
  | TableMessages<TableNames<Sqlite> & TableNames<Pg>>
  | RowMessages<'HubSiteRow', sqlite.HubSiteRow, pg.HubSiteRow>
  | RowMessages<'HubCourseRow', sqlite.HubCourseRow, pg.HubCourseRow>
  | RowMessages<'TokenRow', sqlite.TokenRow, pg.TokenRow>
  | RowMessages<'UserRow', sqlite.UserRow, pg.UserRow>;

type MustBeNever<T extends never> = T;

/** Fails to compile, listing what differs, unless the two schemas agree. */
type Agreement = MustBeNever<Problems>;

/** `true`, once this file compiles: schema-pg.test.ts names it so that the check has a user. */
export type SchemasAgree = [Agreement] extends [never] ? true : never;
