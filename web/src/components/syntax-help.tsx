// A short reminder of the query language (docs/query-language.md), in a disclosure by the query bar.

const EXAMPLES: Array<[string, string]> = [
  ['user:root', 'actor is exactly root (user = user.name)'],
  ['action:ssh.login outcome:failure', 'both conditions (adjacent terms are ANDed)'],
  ['action:sudo.* OR action:su.switch', 'either; * is a wildcard'],
  ['-outcome:success', 'NOT; also: NOT user:git'],
  ['"Failed password"', 'phrase anywhere in message or event.original'],
  ['source.ip:10.0.0.0/8', 'CIDR block; ip: also searches related.ip'],
  ['source.port:[1000 TO 2000]', 'inclusive range; > >= < <= on numbers'],
  ['@timestamp>=now-24h', 'relative time; now/d is today'],
  ['_exists_:user.target.name', 'the field is present'],
  ['(a OR b) host.name:web-1', 'grouping with parentheses'],
];

export function SyntaxHelp() {
  return (
    <details className="syntax">
      <summary aria-label="Query syntax help">Syntax</summary>
      <div className="popover" role="note">
        <table>
          <caption>Query language</caption>
          <tbody>
            {EXAMPLES.map(([q, what]) => (
              <tr key={q}>
                <td>
                  <code>{q}</code>
                </td>
                <td>{what}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}
