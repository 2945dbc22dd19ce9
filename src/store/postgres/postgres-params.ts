// The parameters of one PostgreSQL statement, numbered as the SQL text binds them, so a statement
// built from parts needs no hand-kept $n positions.

export class PgParams {
  readonly values: unknown[] = [];

  /** `$n::type`, with `value` as parameter n. */
  bind(value: unknown, type: string): string {
    this.values.push(value);
    return `$${this.values.length}::${type}`;
  }

  /** `unnest($a::type, ...)` over arrays of equal length: one row per index. */
  unnest(...arrays: Array<[values: unknown[], type: string]>): string {
    return `unnest(${arrays.map(([values, type]) => this.bind(values, type)).join(', ')})`;
  }
}
