// Column choice for the results table: a checklist of known and seen fields.

export interface ColumnChooserProps {
  fields: string[];
  columns: string[];
  onChange: (columns: string[]) => void;
}

export function ColumnChooser({ fields, columns, onChange }: ColumnChooserProps) {
  const toggle = (f: string) =>
    onChange(columns.includes(f) ? columns.filter((c) => c !== f) : [...columns, f]);
  return (
    <details className="columns">
      <summary>Columns ({columns.length})</summary>
      <fieldset className="popover">
        <legend>Columns shown</legend>
        {[...new Set([...columns, ...fields])].map((f) => (
          <label key={f} className="check">
            <input type="checkbox" checked={columns.includes(f)} onChange={() => toggle(f)} /> {f}
          </label>
        ))}
      </fieldset>
    </details>
  );
}
