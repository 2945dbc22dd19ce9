// SQLite's hooks for the shared filter compiler.

import type { WildcardPattern } from '../../query/plan.js';
import { FilterCompiler } from '../compiler.js';

export class SqliteCompiler extends FilterCompiler {
  protected override placeholder(): string {
    return '?';
  }

  protected override anyJsonValue(path: string[], test: (value: string) => string): string {
    // json_each over a path yields each element of an array, or the value itself for a scalar.
    const jsonPath = '$' + path.map((p) => `."${p}"`).join('');
    return `EXISTS (SELECT 1 FROM json_each(events.body, ${this.bind(jsonPath)}) AS j WHERE j.type NOT IN ('object', 'array', 'null') AND ${test('j.value')})`;
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

  protected override ipComparable(expr: string): string {
    return `stele_ip(${expr})`;
  }
}
