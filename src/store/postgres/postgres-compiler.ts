// PostgreSQL's hooks for the shared filter compiler. The stele_* SQL functions are created by
// postgres-migrations.ts and read values exactly as query/plan.ts reads them.

import type { WildcardPattern } from '../../query/plan.js';
import { FilterCompiler, type ValueExprs } from '../compiler.js';

export interface PostgresCompilerOptions {
  /** The trigram index on message and event.original (pg_trgm) exists. */
  fullText?: boolean;
  /**
   * Test the full-text column in a form the trigram index does not serve, so that a page is read
   * in time order (a narrow time window: postgres-store.ts pageRows).
   */
  walkText?: boolean;
}

/** The jsonb body of the current row (text on disk, see postgres-migrations.ts). */
const BODY = 'stele_body(events.body)';

export class PostgresCompiler extends FilterCompiler {
  /** Pages of a CIDR block are read by address (postgres-store.ts blockSearchSql). */
  protected override readonly splitsBlocks = true;

  constructor(private readonly options: PostgresCompilerOptions = {}) {
    super();
  }

  protected override placeholder(n: number): string {
    return `$${n}`;
  }

  /** The readings of one jsonb scalar. */
  private jsonValue(v: string): ValueExprs {
    return {
      text: `stele_jtext(${v})`,
      string: `stele_jstring(${v})`,
      number: `stele_jnumber(${v})`,
      time: `stele_jtime(${v})`,
      ip: `stele_jip(${v})`,
    };
  }

  private at(path: string[]): string {
    return `(${BODY} #> ${this.bind(path)}::text[])`;
  }

  protected override anyJsonValue(path: string[], test: (value: ValueExprs) => string): string {
    return `EXISTS (SELECT 1 FROM stele_scalars${this.at(path)} AS j(v) WHERE ${test(this.jsonValue('j.v'))})`;
  }

  override jsonValuesJoin(alias: string, path: string[]): { join: string; value: ValueExprs } {
    const join = `LEFT JOIN LATERAL stele_scalars${this.at(path)} AS ${alias}(v) ON true`;
    return { join, value: this.jsonValue(`${alias}.v`) };
  }

  protected override jsonExists(path: string[]): string {
    return `stele_jexists${this.at(path)}`;
  }

  protected override glob(expr: string, pattern: WildcardPattern): string {
    return `(${expr} COLLATE "C") LIKE ${this.bind(likePattern(pattern, false))}`;
  }

  protected override containsText(expr: string, pattern: WildcardPattern): string {
    // ASCII-only folding on both sides, as the reference does (ILIKE would fold all of Unicode).
    return `stele_fold(${expr}) LIKE ${this.bind(`%${likePattern(pattern, true)}%`)}`;
  }

  protected override ipComparable(expr: string): string {
    return `stele_ip(${expr})`;
  }

  protected override decimal(expr: string): string {
    return `stele_decimal(${expr})`;
  }

  protected override timeOf(expr: string): string {
    return `stele_time(${expr})`;
  }

  protected override fullTextCandidates(literals: string[]): string | undefined {
    if (!this.options.fullText) return undefined;
    // pg_trgm can use the index for a literal of three characters or more; shorter ones scan.
    const usable = literals.filter((l) => Array.from(l).length >= 3);
    if (usable.length === 0) return undefined;
    const column = this.options.walkText ? "(events.fulltext || '')" : 'events.fulltext';
    return usable.map((l) => `${column} LIKE ${this.bind(`%${escapeLike(asciiLower(l))}%`)}`).join(' AND ');
  }
}

function asciiLower(text: string): string {
  return text.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

function escapeLike(text: string): string {
  return text.replace(/[%_\\]/g, (c) => `\\${c}`);
}

/** A LIKE pattern (backslash escapes) for a wildcard pattern, optionally ASCII-folded. */
function likePattern(pattern: WildcardPattern, fold: boolean): string {
  return pattern.parts
    .map((part) =>
      part.kind === 'any'
        ? '%'
        : part.kind === 'one'
          ? '_'
          : escapeLike(fold ? asciiLower(part.text) : part.text),
    )
    .join('');
}
