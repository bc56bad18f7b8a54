/**
 * A small XML reader for bank files (CAMT.053), since no XML library is installed: elements, attributes, text,
 * CDATA, comments and processing instructions. Safe by refusal: a DOCTYPE (where entities and external
 * references live) is refused, so no entity is ever expanded beyond the five predefined ones and character
 * references; depth and element count are bounded. Namespace prefixes are dropped from names (CAMT's elements are
 * all in the one namespace of its version).
 */
import { invalid } from "./statement-line.js";

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
  /** The line of the file where the element starts. */
  line: number;
}

const MAX_DEPTH = 64;
const MAX_ELEMENTS = 500_000;
const NAME = /^[A-Za-z_][\w.\-:]*/;
const PREDEFINED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** Replaces the predefined entities and character references; any other `&name;` is an error. */
export function decodeEntities(text: string, line: number): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|[A-Za-z]+);|&/g, (whole, ref: string | undefined) => {
    if (!ref) throw invalid(`XML line ${line}: a bare "&" (write &amp;).`);
    if (ref.startsWith("#")) {
      const code = ref[1] === "x" ? Number.parseInt(ref.slice(2), 16) : Number(ref.slice(1));
      if (!Number.isInteger(code) || code < 1 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
        throw invalid(`XML line ${line}: ${whole} is not a character.`);
      }
      return String.fromCodePoint(code);
    }
    const value = PREDEFINED[ref];
    if (value === undefined)
      throw invalid(`XML line ${line}: the entity ${whole} is not allowed (no DTD is read).`);
    return value;
  });
}

const local = (name: string) => name.slice(name.indexOf(":") + 1);

export function parseXml(text: string): XmlElement {
  let pos = 0;
  let line = 1;
  let count = 0;
  const advance = (to: number) => {
    for (let i = pos; i < to; i++) if (text.charCodeAt(i) === 10) line++;
    pos = to;
  };
  const skipTo = (marker: string, what: string) => {
    const end = text.indexOf(marker, pos);
    if (end < 0) throw invalid(`XML line ${line}: ${what} is never closed.`);
    const body = text.slice(pos, end);
    advance(end + marker.length);
    return body;
  };
  const root: XmlElement = { name: "#document", attributes: {}, children: [], text: "", line: 1 };
  const stack: XmlElement[] = [root];
  while (pos < text.length) {
    const lt = text.indexOf("<", pos);
    const textEnd = lt < 0 ? text.length : lt;
    if (textEnd > pos) {
      const raw = text.slice(pos, textEnd);
      const top = stack[stack.length - 1] as XmlElement;
      if (stack.length === 1) {
        if (raw.trim()) throw invalid(`XML line ${line}: text outside the document's element.`);
      } else top.text += decodeEntities(raw, line);
      advance(textEnd);
    }
    if (lt < 0) break;
    if (text.startsWith("<!--", pos)) {
      advance(pos + 4);
      skipTo("-->", "a comment");
    } else if (text.startsWith("<![CDATA[", pos)) {
      advance(pos + 9);
      const body = skipTo("]]>", "a CDATA section");
      (stack[stack.length - 1] as XmlElement).text += body;
    } else if (text.startsWith("<?", pos)) {
      advance(pos + 2);
      skipTo("?>", "a processing instruction");
    } else if (text.startsWith("<!", pos)) {
      throw invalid(`XML line ${line}: a DOCTYPE or other declaration is not accepted in a bank file.`);
    } else if (text.startsWith("</", pos)) {
      const end = text.indexOf(">", pos);
      if (end < 0) throw invalid(`XML line ${line}: an end tag is never closed.`);
      const name = local(text.slice(pos + 2, end).trim());
      const open = stack.pop();
      if (!open || stack.length === 0 || open.name !== name) {
        throw invalid(`XML line ${line}: </${name}> does not close <${open?.name ?? "nothing"}>.`);
      }
      advance(end + 1);
    } else {
      const startLine = line;
      advance(pos + 1);
      const nameMatch = NAME.exec(text.slice(pos, pos + 200));
      if (!nameMatch) throw invalid(`XML line ${line}: a "<" that starts no element.`);
      advance(pos + nameMatch[0].length);
      const element: XmlElement = {
        name: local(nameMatch[0]),
        attributes: {},
        children: [],
        text: "",
        line: startLine,
      };
      let selfClosing = false;
      for (;;) {
        const ws = /^\s*/.exec(text.slice(pos, pos + 1000))?.[0].length ?? 0;
        advance(pos + ws);
        if (text.startsWith("/>", pos)) {
          selfClosing = true;
          advance(pos + 2);
          break;
        }
        if (text.startsWith(">", pos)) {
          advance(pos + 1);
          break;
        }
        const attr = /^([A-Za-z_][\w.\-:]*)\s*=\s*("([^"<]*)"|'([^'<]*)')/.exec(
          text.slice(pos, pos + 10_000),
        );
        if (!attr) throw invalid(`XML line ${line}: a malformed attribute in <${element.name}>.`);
        element.attributes[local(attr[1] ?? "")] = decodeEntities(attr[3] ?? attr[4] ?? "", line);
        advance(pos + attr[0].length);
      }
      if (++count > MAX_ELEMENTS) throw invalid("The XML file has too many elements for a bank statement.");
      const parent = stack[stack.length - 1] as XmlElement;
      if (stack.length === 1 && parent.children.length) {
        throw invalid(`XML line ${startLine}: a second document element.`);
      }
      parent.children.push(element);
      if (!selfClosing) {
        stack.push(element);
        if (stack.length > MAX_DEPTH) throw invalid(`XML line ${startLine}: elements nested too deep.`);
      }
    }
  }
  if (stack.length > 1) throw invalid(`The XML ends inside <${stack[stack.length - 1]?.name}>.`);
  const [doc] = root.children;
  if (!doc) throw invalid("The file holds no XML element.");
  return doc;
}

/** The first child named `name`, following a path of names (`child(stmt, "Acct", "Ccy")`). */
export function child(element: XmlElement | undefined, ...path: string[]): XmlElement | undefined {
  let at = element;
  for (const name of path) at = at?.children.find((c) => c.name === name);
  return at;
}

export function children(element: XmlElement | undefined, name: string): XmlElement[] {
  return element?.children.filter((c) => c.name === name) ?? [];
}

/** The trimmed text at a path, or undefined when absent or empty. */
export function textAt(element: XmlElement | undefined, ...path: string[]): string | undefined {
  const text = child(element, ...path)?.text.trim();
  return text ? text : undefined;
}
