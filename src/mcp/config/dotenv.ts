/**
 * A small `.env` parser: `KEY=value` lines, optional `export `, `#` comments (whole line, or after an unquoted
 * value preceded by whitespace), single quotes (literal), double quotes (with \n, \t, \", \\ escapes, may span
 * lines). Malformed lines are reported by line number only: a line may hold a secret, so it is never echoed.
 */
export function parseDotenv(text: string): { values: Record<string, string>; errors: string[] } {
  const values: Record<string, string> = {};
  const errors: string[] = [];
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i]!.trim();
    if (!line || line.startsWith("#")) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*)$/.exec(line);
    if (!match) {
      errors.push(`line ${lineNo} is not KEY=value`);
      continue;
    }
    const key = match[1]!;
    let rest = match[2]!;
    const quote = rest[0];
    if (quote === '"' || quote === "'") {
      let body = rest.slice(1);
      let end = findClosingQuote(body, quote);
      while (end === -1 && quote === '"' && i + 1 < lines.length) {
        i++;
        body += `\n${lines[i]}`;
        end = findClosingQuote(body, quote);
      }
      if (end === -1) {
        errors.push(`line ${lineNo}: the quoted value of ${key} is not closed`);
        continue;
      }
      const after = body.slice(end + 1).trim();
      if (after && !after.startsWith("#")) {
        errors.push(`line ${lineNo}: unexpected text after the quoted value of ${key}`);
        continue;
      }
      const raw = body.slice(0, end);
      values[key] = quote === '"' ? unescapeDouble(raw) : raw;
      continue;
    }
    const comment = rest.search(/\s#/);
    if (comment !== -1) rest = rest.slice(0, comment);
    values[key] = rest.trim();
  }
  return { values, errors };
}

function findClosingQuote(body: string, quote: string): number {
  for (let i = 0; i < body.length; i++) {
    if (quote === '"' && body[i] === "\\") {
      i++;
      continue;
    }
    if (body[i] === quote) return i;
  }
  return -1;
}

function unescapeDouble(raw: string): string {
  return raw.replace(/\\([nrt"\\])/g, (_, char: string) => {
    switch (char) {
      case "n":
        return "\n";
      case "r":
        return "\r";
      case "t":
        return "\t";
      default:
        return char;
    }
  });
}
