// SQLite's hooks for the shared filter compiler. The stele_* functions are registered on each
// connection by sqlite-functions.ts, so values are read exactly as query/plan.ts reads them.

import type { Predicate, WildcardPattern } from '../../query/plan.js';
import {
  FilterCompiler,
  fullTextIndexed,
  literalRuns,
  ORDERED_MARK,
  textPattern,
  type ValueExprs,
} from '../compiler.js';
import { compactIpHex } from './sqlite-ip.js';

/** Most trigrams of one literal sent to the index: enough to be selective, few enough to be quick. */
const MAX_TRIGRAMS = 6;

export interface SqliteCompilerOptions {
  /** The events_fts table (trigram, contentless) exists. */
  fullText?: boolean;
  /**
   * How many events an FTS5 MATCH expression selects, exact up to `most` (anything above it when
   * there are more); with `events`, picks the plan.
   */
  candidates?: (match: string, most: number) => number;
  events?: number;
  /**
   * IPs are stored in the compact form (sqlite-ip.ts), as they are once migration 0204 has run;
   * false only for a data directory opened read-only before that, which still holds 16 bytes.
   */
  compactIps?: boolean;
}

/** Results a first page needs. */
const PAGE = 100;
/** Reading and matching one row, against adding one candidate to a set (fullTextCandidates). */
const ROW_TO_CANDIDATE_COST = 10;

export class SqliteCompiler extends FilterCompiler {
  protected override readonly splitsBlocks = true;

  constructor(private readonly options: SqliteCompilerOptions = {}) {
    super();
  }

  protected override placeholder(): string {
    return '?';
  }

  /** The expressions of one json_each row `j` (booleans are 1/0 with type true/false there). */
  jsonRow(j: string): ValueExprs {
    return {
      text: `(CASE ${j}.type WHEN 'text' THEN ${j}.value WHEN 'integer' THEN CAST(${j}.value AS TEXT) WHEN 'real' THEN stele_number_text(${j}.value) WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' END)`,
      string: `(CASE ${j}.type WHEN 'text' THEN ${j}.value END)`,
      number: `(CASE ${j}.type WHEN 'integer' THEN ${j}.value WHEN 'real' THEN ${j}.value WHEN 'text' THEN stele_decimal(${j}.value) END)`,
      time: `(CASE ${j}.type WHEN 'text' THEN stele_time(${j}.value) END)`,
      ip: `(CASE ${j}.type WHEN 'text' THEN stele_ip(${j}.value) END)`,
    };
  }

  jsonPath(path: string[]): string {
    return '$' + path.map((p) => `."${p}"`).join('');
  }

  /** Rows of json_each that are the scalar at the path or an element of the array there. */
  jsonScalarFilter(j: string): string {
    // json_each over an object yields its members (text keys); over a scalar one row with key NULL.
    return `typeof(${j}.key) <> 'text' AND ${j}.type NOT IN ('object', 'array', 'null')`;
  }

  protected override anyJsonValue(path: string[], test: (value: ValueExprs) => string): string {
    return `EXISTS (SELECT 1 FROM json_each(events.body, ${this.bind(this.jsonPath(path))}) AS j WHERE ${this.jsonScalarFilter('j')} AND ${test(this.jsonRow('j'))})`;
  }

  override jsonValuesJoin(alias: string, path: string[]): { join: string; value: ValueExprs } {
    const join = `LEFT JOIN json_each(events.body, ${this.bind(this.jsonPath(path))}) AS ${alias} ON ${this.jsonScalarFilter(alias)}`;
    return { join, value: this.jsonRow(alias) };
  }

  protected override jsonExists(path: string[]): string {
    const p = this.jsonPath(path);
    return `(CASE json_type(events.body, ${this.bind(p)}) WHEN 'null' THEN 0 WHEN 'array' THEN EXISTS (SELECT 1 FROM json_each(events.body, ${this.bind(p)}) AS j WHERE j.type <> 'null') ELSE json_type(events.body, ${this.bind(p)}) IS NOT NULL END)`;
  }

  protected override glob(expr: string, pattern: WildcardPattern): string {
    // GLOB is case-sensitive and uses an index for a literal prefix; [x] quotes a metacharacter.
    const text = pattern.parts
      .map((part) =>
        part.kind === 'any'
          ? '*'
          : part.kind === 'one'
            ? '?'
            : part.text.replace(/[*?[\]]/g, (c) => `[${c}]`),
      )
      .join('');
    return `${expr} GLOB ${this.bind(text)}`;
  }

  protected override containsText(expr: string, pattern: WildcardPattern): string {
    // LIKE is ASCII case-insensitive in SQLite; % and _ in the text are escaped with \.
    const text = pattern.parts
      .map((part) =>
        part.kind === 'any' ? '%' : part.kind === 'one' ? '_' : part.text.replace(/[%_\\]/g, (c) => `\\${c}`),
      )
      .join('');
    return `${expr} LIKE ${this.bind(`%${text}%`)} ESCAPE '\\'`;
  }

  protected override ipValue(hex: string): unknown {
    return this.options.compactIps === false ? super.ipValue(hex) : compactIpHex(hex);
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

  /**
   * Three plans for a page of a full-text term, picked by how many events its trigrams select
   * together (m candidates of N events). Few: read each candidate and sort them (~10 us each).
   * More: read the candidate rowids into a set (~0.4 us each) and walk the time index testing each
   * entry against it (~0.3 us) until a page matched, about page * N / m entries. Most events: no
   * index, a walk in time order reading and matching each row (~4 us), page * N / m rows. Costs
   * measured at 10M events; the crossovers are near 2 * sqrt(N) and sqrt(10 * page * N). m is
   * counted up to that last bound, so the count costs at most about as much as the plan it picks
   * (per-trigram counts from fts5vocab read whole doclists: 0.5 s for a common word at 10M events).
   */
  protected override fullTextCandidates(literals: string[]): string | undefined {
    if (!this.options.fullText) return undefined;
    const match = matchOf(literals);
    if (match === undefined) return undefined; // shorter than three characters: scan
    const { candidates, events } = this.options;
    let ordered = false;
    if (candidates && events !== undefined) {
      const most = Math.ceil(Math.sqrt(ROW_TO_CANDIDATE_COST * PAGE * events));
      const m = candidates(match, most);
      if (m > most) return undefined;
      ordered = m > 2 * Math.sqrt(events);
    }
    return `${ordered ? ORDERED_MARK : ''}events.seq IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ${this.bind(match)})`;
  }
}

/**
 * The FTS5 query of a text term among the top-level ANDs of a condition, the first the index can
 * narrow: every event the condition matches is among the events it selects (SqlFilter.newest).
 */
export function topLevelMatch(predicate: Predicate): string | undefined {
  for (const p of predicate.kind === 'and' ? predicate.items : [predicate]) {
    if (p.kind !== 'text' || !fullTextIndexed(p)) continue;
    const match = matchOf(literalRuns(textPattern(p)));
    if (match !== undefined) return match;
  }
  return undefined;
}

/** Up to six trigrams of each literal, ANDed; undefined when no literal has three characters. */
function matchOf(literals: string[]): string | undefined {
  const trigrams = literals.flatMap((l) => spread(trigramsOf(l), MAX_TRIGRAMS));
  if (trigrams.length === 0) return undefined;
  // Single trigrams need no phrase support (the index is detail=none); "" quotes a quote.
  return [...new Set(trigrams)].map((t) => `"${t.replace(/"/g, '""')}"`).join(' AND ');
}

function trigramsOf(text: string): string[] {
  const chars = Array.from(text);
  const out: string[] = [];
  for (let i = 0; i + 3 <= chars.length; i++) out.push(chars.slice(i, i + 3).join(''));
  return out;
}

/** At most `n` items, spread over the list (first and last kept), so long literals stay cheap. */
function spread<T>(items: T[], n: number): T[] {
  if (items.length <= n) return items;
  return Array.from({ length: n }, (_, i) => items[Math.round((i * (items.length - 1)) / (n - 1))]!);
}
