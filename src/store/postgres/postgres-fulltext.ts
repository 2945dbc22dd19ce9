// The text PostgreSQL's trigram index covers, kept in the `fulltext` column. It used to be an
// index on the expression stele_fulltext(body): PostgreSQL then parsed each body into jsonb twice
// per insert (about 80 µs a row here), more than the rest of the insert together. The column is
// filled at insert from this function, which gives exactly what the SQL function gives for the
// same body text; a trigger fills it with the SQL function when an update changes the body
// (erasure, retention), so the two never disagree on what a search finds.

/** What stele_fulltext makes of `\u0000` and lone-surrogate escapes before its jsonb cast. */
const UNSAFE_ESCAPE = /\\u(0000|[dD][89a-fA-F])/;
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F][0-9a-fA-F]{2}/g;

/**
 * stele_fulltext(body) (postgres-migrations.ts), computed here: message and event.original when they
 * are strings, joined by a newline, ASCII letters lower-cased. The escapes jsonb cannot hold are
 * replaced by U+FFFD in the text first, as the SQL function does (an escaped backslash before
 * `u0000` included: the two must agree, not be clever).
 */
export function fullTextOf(body: string): string {
  const text = UNSAFE_ESCAPE.test(body)
    ? body.replaceAll('\\u0000', '\\ufffd').replace(SURROGATE_ESCAPE, '\\ufffd')
    : body;
  const parsed = JSON.parse(text) as Record<string, unknown> | null;
  const message = parsed?.message;
  const event = parsed?.event;
  const original =
    event !== null && typeof event === 'object' && !Array.isArray(event)
      ? (event as Record<string, unknown>).original
      : undefined;
  const joined = `${typeof message === 'string' ? message : ''}\n${typeof original === 'string' ? original : ''}`;
  return joined.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}
