// The query bar: a combobox completing field names (schema, aliases, fields seen in results) and,
// after `field:`, that field's most frequent values from /v1/aggregate. Enter runs the search;
// arrows pick a suggestion, Tab or Enter takes it, Escape closes the list.

import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { getJson } from '../lib/api';
import { ALIASES } from '../lib/fields';
import { queryValue } from '../lib/format';
import type { AggregateReply } from '../lib/types';
import { SyntaxHelp } from './syntax-help';

export interface QueryBarProps {
  value: string;
  fields: string[];
  onRun: (query: string) => void;
}

interface Suggestion {
  label: string;
  insert: string;
  hint?: string;
}

const valueCache = new Map<string, Promise<AggregateReply>>();

function topValues(field: string): Promise<AggregateReply> {
  let found = valueCache.get(field);
  if (!found) {
    found = getJson<AggregateReply>('/v1/aggregate', { by: field, top: 50 });
    found.catch(() => valueCache.delete(field));
    valueCache.set(field, found);
  }
  return found;
}

/** The token ending at the caret: [start offset, text]. */
function tokenAt(text: string, caret: number): [number, string] {
  const before = text.slice(0, caret);
  const m = /[^\s()]*$/.exec(before)!;
  return [caret - m[0].length, m[0]];
}

export function QueryBar({ value, fields, onRun }: QueryBarProps) {
  const [text, setText] = useState(value);
  const [caret, setCaret] = useState(value.length);
  const [suggestions, setSuggestions] = useState<Suggestion[]>([]);
  const [active, setActive] = useState(-1);
  const [open, setOpen] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => setText(value), [value]);

  useEffect(() => {
    const [, raw] = tokenAt(text, caret);
    const token = raw.replace(/^-/, '');
    const colon = token.indexOf(':');
    let cancelled = false;
    if (colon > 0) {
      const field = token.slice(0, colon);
      const prefix = token
        .slice(colon + 1)
        .replace(/^"/, '')
        .toLowerCase();
      const timer = setTimeout(() => {
        topValues(field)
          .then((reply) => {
            if (cancelled) return;
            const values = reply.groups
              .map((g) => ({ v: g.keys[reply.by[0] ?? field], n: g.count }))
              .filter(
                (x): x is { v: string; n: number } =>
                  typeof x.v === 'string' && x.v.toLowerCase().startsWith(prefix),
              )
              .slice(0, 10);
            setSuggestions(
              values.map(({ v, n }) => ({
                label: v,
                insert: `${token.slice(0, colon)}:${queryValue(v)}`,
                hint: `${n}`,
              })),
            );
          })
          .catch(() => !cancelled && setSuggestions([]));
      }, 120);
      return () => {
        cancelled = true;
        clearTimeout(timer);
      };
    }
    const lower = token.toLowerCase();
    setSuggestions(
      token.length === 0
        ? []
        : [...ALIASES, ...fields]
            .filter((f) => f.toLowerCase().startsWith(lower) && f !== token)
            .slice(0, 10)
            .map((f) => ({ label: f, insert: `${f}:`, hint: ALIASES.includes(f) ? 'alias' : 'field' })),
    );
    return undefined;
  }, [text, caret, fields]);

  useEffect(() => setActive(-1), [suggestions]);

  const accept = (s: Suggestion) => {
    const [start, raw] = tokenAt(text, caret);
    const neg = raw.startsWith('-') ? '-' : '';
    const next = text.slice(0, start) + neg + s.insert + text.slice(caret);
    const at = start + neg.length + s.insert.length;
    setText(next);
    setCaret(at);
    setOpen(s.insert.endsWith(':'));
    requestAnimationFrame(() => input.current?.setSelectionRange(at, at));
  };
  const shown = open ? suggestions : [];
  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown' && shown.length > 0) {
      e.preventDefault();
      setActive((a) => (a + 1) % shown.length);
    } else if (e.key === 'ArrowUp' && shown.length > 0) {
      e.preventDefault();
      setActive((a) => (a <= 0 ? shown.length - 1 : a - 1));
    } else if ((e.key === 'Tab' || e.key === 'Enter') && active >= 0 && shown[active]) {
      e.preventDefault();
      accept(shown[active]!);
    } else if (e.key === 'Escape') {
      setOpen(false);
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setOpen(false);
    onRun(text);
  };
  return (
    <form className="querybar" onSubmit={submit} role="search">
      <div className="combo">
        <input
          id="query"
          ref={input}
          role="combobox"
          aria-label="Query (press / to focus, Enter to search)"
          aria-expanded={shown.length > 0}
          aria-controls="query-suggestions"
          aria-autocomplete="list"
          aria-activedescendant={active >= 0 ? `suggestion-${active}` : undefined}
          placeholder="Query, e.g. action:ssh.login outcome:failure   (press / to focus)"
          value={text}
          spellCheck={false}
          autoComplete="off"
          onChange={(e) => {
            setText(e.target.value);
            setCaret(e.target.selectionStart ?? e.target.value.length);
            setOpen(true);
          }}
          onKeyDown={onKey}
          onClick={(e) => setCaret(e.currentTarget.selectionStart ?? text.length)}
          onBlur={() => setTimeout(() => setOpen(false), 150)}
        />
        {shown.length > 0 && (
          <ul id="query-suggestions" role="listbox" className="suggestions" aria-label="Suggestions">
            {shown.map((s, i) => (
              <li
                key={s.insert}
                id={`suggestion-${i}`}
                role="option"
                aria-selected={i === active}
                onMouseDown={(e) => (e.preventDefault(), accept(s))}
              >
                <span>{s.label}</span>
                {s.hint && <span className="muted">{s.hint}</span>}
              </li>
            ))}
          </ul>
        )}
      </div>
      <button type="submit">Search</button>
      <SyntaxHelp />
    </form>
  );
}
