// A small interpreter for exactly the Logstash config constructs logstash/pipeline/chatops.conf.j2
// uses, so the pipeline's routing and decoding can be run on Filebeat's real events without
// Logstash (which does not install here). Anything else (another plugin, option, operator or a
// sprintf reference) throws instead of being guessed. Semantics follow Logstash's documentation:
// https://www.elastic.co/guide/en/logstash/current/event-dependent-configuration.html (conditionals,
// field references), .../plugins-filters-json.html, .../plugins-filters-mutate.html,
// .../plugins-filters-dissect.html, .../plugins-filters-date.html, .../plugins-filters-de_dot.html.
export type Value = string | number | boolean | Value[] | { [key: string]: Value };
export interface Plugin {
  kind: 'plugin';
  name: string;
  settings: [string, Value][];
}
export interface Branch {
  /** The field reference path and the string it must equal; undefined for `else`. */
  when?: { field: string[]; equals: string };
  body: Node[];
}
export interface Conditional {
  kind: 'if';
  branches: Branch[];
}
export type Node = Plugin | Conditional;
export type Event = Record<string, unknown>;

type Token = { type: 'word' | 'string' | 'number' | 'punct'; text: string };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const pattern =
    /\s+|#[^\n]*|"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|(=>|==|!=|=~|!~|<=|>=|[<>{}[\],()!]|\/(?:[^/\\\n]|\\.)*\/)|(-?\d+(?:\.\d+)?)(?![\w.])|([A-Za-z_@][\w@.-]*)/y;
  let at = 0;
  while (at < source.length) {
    pattern.lastIndex = at;
    const m = pattern.exec(source);
    if (!m) throw new Error(`logstash config: cannot read ${JSON.stringify(source.slice(at, at + 30))}`);
    at = pattern.lastIndex;
    if (m[1] !== undefined || m[2] !== undefined) tokens.push({ type: 'string', text: (m[1] ?? m[2] ?? '').replace(/\\(.)/g, '$1') });
    else if (m[3]) tokens.push({ type: 'punct', text: m[3] });
    else if (m[4]) tokens.push({ type: 'number', text: m[4] });
    else if (m[5]) tokens.push({ type: 'word', text: m[5] });
  }
  return tokens;
}

class Parser {
  private at = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token | undefined {
    return this.tokens[this.at];
  }
  private next(): Token {
    const token = this.tokens[this.at++];
    if (!token) throw new Error('logstash config: unexpected end');
    return token;
  }
  private expect(text: string): void {
    const token = this.next();
    if (token.text !== text || token.type === 'string') throw new Error(`logstash config: expected "${text}", found "${token.text}"`);
  }

  /** `section { ... }` at the top level (input, filter, output). */
  section(name: string): Node[] {
    while (this.peek()) {
      const word = this.next();
      this.expect('{');
      if (word.text === name) return this.block();
      this.skipBlock();
    }
    throw new Error(`logstash config: no ${name} section`);
  }

  private skipBlock(): void {
    for (let depth = 1; depth > 0;) {
      const token = this.next();
      if (token.type === 'punct' && token.text === '{') depth++;
      if (token.type === 'punct' && token.text === '}') depth--;
    }
  }

  private block(): Node[] {
    const nodes: Node[] = [];
    for (;;) {
      const token = this.next();
      if (token.type === 'punct' && token.text === '}') return nodes;
      if (token.type !== 'word') throw new Error(`logstash config: expected a plugin or "if", found "${token.text}"`);
      if (token.text === 'if') nodes.push(this.conditional());
      else {
        this.expect('{');
        nodes.push({ kind: 'plugin', name: token.text, settings: this.settings() });
      }
    }
  }

  private conditional(): Conditional {
    const branches: Branch[] = [{ when: this.condition(), body: (this.expect('{'), this.block()) }];
    while (this.peek()?.text === 'else') {
      this.next();
      if (this.peek()?.text === 'if') {
        this.next();
        branches.push({ when: this.condition(), body: (this.expect('{'), this.block()) });
      } else {
        this.expect('{');
        branches.push({ body: this.block() });
        break;
      }
    }
    return { kind: 'if', branches };
  }

  /** Only `[a][b] == "text"`: the one form the pipeline uses. */
  private condition(): { field: string[]; equals: string } {
    const field: string[] = [];
    while (this.peek()?.text === '[') {
      this.next();
      field.push(this.next().text);
      this.expect(']');
    }
    const operator = this.next();
    const value = this.next();
    if (field.length === 0 || operator.text !== '==' || value.type !== 'string')
      throw new Error(`logstash config: unsupported condition near "${operator.text} ${value.text}" (only [field] == "text" is interpreted)`);
    return { field, equals: value.text };
  }

  private settings(): [string, Value][] {
    const settings: [string, Value][] = [];
    for (;;) {
      const key = this.next();
      if (key.type === 'punct' && key.text === '}') return settings;
      this.expect('=>');
      settings.push([key.text, this.value()]);
    }
  }

  private value(): Value {
    const token = this.next();
    if (token.type === 'string') return token.text;
    if (token.type === 'number') return Number(token.text);
    if (token.type === 'word' && (token.text === 'true' || token.text === 'false')) return token.text === 'true';
    if (token.type === 'word') return token.text;
    if (token.text === '[') {
      const items: Value[] = [];
      while (this.peek()?.text !== ']') {
        items.push(this.value());
        if (this.peek()?.text === ',') this.next();
      }
      this.next();
      return items;
    }
    if (token.text === '{') {
      const hash: Record<string, Value> = {};
      for (;;) {
        const key = this.next();
        if (key.type === 'punct' && key.text === '}') return hash;
        this.expect('=>');
        hash[key.text] = this.value();
        if (this.peek()?.text === ',') this.next();
      }
    }
    throw new Error(`logstash config: unexpected "${token.text}"`);
  }
}

/** The `filter { }` section of a rendered pipeline, as a tree. */
export function parseFilter(pipeline: string): Node[] {
  return new Parser(tokenize(pipeline)).section('filter');
}

/** `[a][b]` or a bare name, as Logstash's field reference syntax reads it. */
export function fieldPath(reference: string): string[] {
  if (!reference.startsWith('[')) return [reference];
  const parts = [...reference.matchAll(/\[([^\]]+)\]/g)].map((m) => m[1] as string);
  if (parts.map((p) => `[${p}]`).join('') !== reference) throw new Error(`logstash config: cannot read field reference ${reference}`);
  return parts;
}

function get(event: Event, path: string[]): unknown {
  let at: unknown = event;
  for (const key of path) at = at !== null && typeof at === 'object' && !Array.isArray(at) ? (at as Record<string, unknown>)[key] : undefined;
  return at;
}

function set(event: Event, path: string[], value: unknown): void {
  let at = event;
  for (const key of path.slice(0, -1)) {
    const child = at[key];
    if (child === null || typeof child !== 'object' || Array.isArray(child)) at[key] = {};
    at = at[key] as Event;
  }
  at[path[path.length - 1] as string] = value;
}

function remove(event: Event, path: string[]): void {
  const parent = get(event, path.slice(0, -1));
  if (parent !== null && typeof parent === 'object') delete (parent as Record<string, unknown>)[path[path.length - 1] as string];
}

function literal(value: Value, where: string): string {
  if (typeof value !== 'string') throw new Error(`logstash config: ${where} must be a string`);
  if (value.includes('%{')) throw new Error(`logstash config: ${where} uses a %{} reference, which this interpreter does not expand`);
  return value;
}

function tag(event: Event, name: string): void {
  event.tags = [...((event.tags as string[] | undefined) ?? []), name];
}

function checkOptions(plugin: Plugin, known: string[]): void {
  for (const [key] of plugin.settings) if (!known.includes(key)) throw new Error(`logstash config: ${plugin.name} option "${key}" is not interpreted`);
}

const option = (plugin: Plugin, key: string): Value | undefined => plugin.settings.find(([k]) => k === key)?.[1];

/** add_field then remove_field: the common options Logstash applies after a filter succeeds. */
function commonOptions(plugin: Plugin, event: Event): void {
  const added = option(plugin, 'add_field');
  if (added !== undefined) {
    for (const [field, value] of Object.entries(added as Record<string, Value>)) {
      const path = fieldPath(field);
      const current = get(event, path);
      const text = literal(value, `${plugin.name} add_field ${field}`);
      // add_field on a field that exists makes it an array of both, it never replaces.
      set(event, path, current === undefined ? text : [...(Array.isArray(current) ? current : [current]), text]);
    }
  }
  const removed = option(plugin, 'remove_field');
  if (removed !== undefined) for (const field of removed as Value[]) remove(event, fieldPath(literal(field, `${plugin.name} remove_field`)));
}

function json(plugin: Plugin, event: Event): void {
  checkOptions(plugin, ['source', 'skip_on_invalid_json', 'add_field', 'remove_field']);
  const source = fieldPath(literal(option(plugin, 'source') as Value, 'json source'));
  const text = get(event, source);
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(text));
  } catch {
    // Without skip_on_invalid_json Logstash tags the event; with it, the event passes unchanged.
    if (option(plugin, 'skip_on_invalid_json') !== true) tag(event, '_jsonparsefailure');
    return;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    // Without `target` only an object can be merged onto the event.
    tag(event, '_jsonparsefailure');
    return;
  }
  for (const [key, value] of Object.entries(parsed)) {
    if (key === '@timestamp') {
      // The decoded @timestamp becomes the event's; an unreadable one is kept aside and tagged.
      const time = new Date(String(value));
      if (Number.isNaN(time.getTime())) {
        event['_@timestamp'] = value;
        tag(event, '_timestampparsefailure');
      } else event['@timestamp'] = time.toISOString();
    } else {
      // A key holding dots is one field named with dots in Logstash, not a path.
      event[key] = value;
    }
  }
  commonOptions(plugin, event);
}

function mutate(plugin: Plugin, event: Event): void {
  checkOptions(plugin, ['replace', 'copy', 'add_field', 'remove_field']);
  const replaced = option(plugin, 'replace');
  if (replaced !== undefined)
    for (const [field, value] of Object.entries(replaced as Record<string, Value>)) set(event, fieldPath(field), literal(value, `mutate replace ${field}`));
  // Logstash's mutate order: replace before copy.
  const copied = option(plugin, 'copy');
  if (copied !== undefined)
    for (const [from, to] of Object.entries(copied as Record<string, Value>)) {
      const value = get(event, fieldPath(from));
      if (value !== undefined) set(event, fieldPath(literal(to, `mutate copy ${from}`)), structuredClone(value));
    }
  commonOptions(plugin, event);
}

/** dissect's mapping split into its fields and the delimiters between them (plain %{[a][b]} fields only). */
function dissection(mapping: string): { prefix: string; fields: { path: string[]; delimiter: string }[] } {
  const parts = mapping.split(/%\{([^}]*)\}/);
  const fields: { path: string[]; delimiter: string }[] = [];
  for (let i = 1; i < parts.length; i += 2) {
    const key = parts[i] as string;
    if (!/^(\[[^\]]+\])+$/.test(key)) throw new Error(`logstash config: dissect key %{${key}} is not interpreted (only %{[a][b]} fields)`);
    const delimiter = parts[i + 1] as string;
    if (delimiter === '' && i + 2 < parts.length) throw new Error(`logstash config: dissect fields %{${key}} and the next have no delimiter between them`);
    fields.push({ path: fieldPath(key), delimiter });
  }
  return { prefix: parts[0] as string, fields };
}

function dissect(plugin: Plugin, event: Event): void {
  checkOptions(plugin, ['mapping', 'convert_datatype', 'tag_on_failure']);
  const failed = (): void => {
    for (const name of (option(plugin, 'tag_on_failure') as string[] | undefined) ?? ['_dissectfailure']) tag(event, name);
  };
  for (const [source, mapping] of Object.entries(option(plugin, 'mapping') as Record<string, Value>)) {
    const text = get(event, fieldPath(source));
    if (typeof mapping !== 'string') throw new Error(`logstash config: dissect mapping ${source} must be a string`);
    const { prefix, fields } = dissection(mapping);
    if (typeof text !== 'string' || !text.startsWith(prefix)) return failed();
    // Left to right: each field takes the text up to the next occurrence of its delimiter; the last one without a delimiter takes the rest.
    let at = prefix.length;
    const found: [string[], string][] = [];
    for (const { path, delimiter } of fields) {
      const end = delimiter === '' ? text.length : text.indexOf(delimiter, at);
      if (end < 0) return failed();
      found.push([path, text.slice(at, end)]);
      at = end + delimiter.length;
    }
    if (at !== text.length) return failed();
    for (const [path, value] of found) set(event, path, value);
  }
  const conversions = option(plugin, 'convert_datatype') as Record<string, Value> | undefined;
  for (const [field, type] of Object.entries(conversions ?? {})) {
    const path = fieldPath(field);
    const value = get(event, path);
    if (value === undefined) continue;
    if (type !== 'int' && type !== 'float') throw new Error(`logstash config: dissect convert_datatype ${String(type)} is not int or float`);
    const number = type === 'int' ? Number.parseInt(String(value), 10) : Number.parseFloat(String(value));
    // Logstash leaves a value it cannot convert as it was.
    if (!Number.isNaN(number)) set(event, path, number);
  }
  commonOptions(plugin, event);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The Joda patterns the pipeline uses, as regular expressions with the parts in order. */
const JODA: Record<string, string> = {
  dd: '(\\d{2})',
  MMM: '([A-Z][a-z]{2})',
  yyyy: '(\\d{4})',
  HH: '(\\d{2})',
  mm: '(\\d{2})',
  ss: '(\\d{2})',
  SSS: '(\\d{3})',
};

function date(plugin: Plugin, event: Event): void {
  checkOptions(plugin, ['match', 'timezone', 'tag_on_failure']);
  const [field, ...formats] = option(plugin, 'match') as string[];
  const zone = option(plugin, 'timezone');
  // Without it the date filter reads the time in the Logstash host's own zone.
  if (zone !== 'UTC') throw new Error(`logstash config: date without timezone => "UTC" reads ${String(field)} in the Logstash host's zone`);
  const text = String(get(event, fieldPath(String(field))));
  for (const format of formats) {
    const order: string[] = format.match(/dd|MMM|yyyy|HH|mm|ss|SSS/g) ?? [];
    const pattern = format.replace(/[.*+?^${}()|\\]/g, '\\$&').replace(/dd|MMM|yyyy|HH|mm|ss|SSS/g, (t) => JODA[t] as string);
    if (format.replace(/dd|MMM|yyyy|HH|mm|ss|SSS|[/:.\- ]/g, '') !== '') throw new Error(`logstash config: date format ${format} is not interpreted`);
    const m = new RegExp(`^${pattern}$`).exec(text);
    if (!m) continue;
    const part = (token: string): string => m[order.indexOf(token) + 1] as string;
    const month = MONTHS.indexOf(part('MMM'));
    if (month < 0) continue;
    const ms = Date.UTC(Number(part('yyyy')), month, Number(part('dd')), Number(part('HH')), Number(part('mm')), Number(part('ss')), Number(part('SSS')));
    event['@timestamp'] = new Date(ms).toISOString();
    commonOptions(plugin, event);
    return;
  }
  for (const name of (option(plugin, 'tag_on_failure') as string[] | undefined) ?? ['_dateparsefailure']) tag(event, name);
}

/** de_dot with nested => true: every top-level key holding dots becomes the path it names (the value wins over what is there). */
function deDot(plugin: Plugin, event: Event): void {
  checkOptions(plugin, ['nested']);
  if (option(plugin, 'nested') !== true) throw new Error('logstash config: de_dot is interpreted with nested => true only');
  for (const key of Object.keys(event).filter((k) => k.includes('.'))) {
    const value = event[key];
    delete event[key];
    set(event, key.split('.'), value);
  }
}

const FILTERS: Record<string, (plugin: Plugin, event: Event) => void> = { json, mutate, dissect, date, de_dot: deDot };

/** Runs the filter tree on one event as Logstash would; plugins other than those above throw when reached. */
export function applyFilter(nodes: Node[], event: Event): Event {
  for (const node of nodes) {
    if (node.kind === 'if') {
      const taken = node.branches.find((b) => b.when === undefined || get(event, b.when.field) === b.when.equals);
      if (taken) applyFilter(taken.body, event);
    } else {
      const run = FILTERS[node.name];
      if (!run) throw new Error(`logstash config: filter ${node.name} is not interpreted`);
      run(node, event);
    }
  }
  return event;
}

/** Which branch of the first conditional an event takes (its index), and that branch's plugins by name. */
export function routeOf(nodes: Node[], event: Event): { branch: number; plugins: string[] } {
  const conditional = nodes.find((n): n is Conditional => n.kind === 'if');
  if (!conditional) throw new Error('logstash config: the filter has no conditional');
  const branch = conditional.branches.findIndex((b) => b.when === undefined || get(event, b.when.field) === b.when.equals);
  return { branch, plugins: (conditional.branches[branch]?.body ?? []).map((n) => (n.kind === 'plugin' ? n.name : 'if')) };
}

/** Logstash's `%{[a][b]}` and `%{+YYYY.MM.dd}` (UTC, from @timestamp) in an output's index name. */
export function expandIndex(pattern: string, event: Event): string {
  return pattern.replace(/%\{([^}]+)\}/g, (_, reference: string) => {
    if (reference === '+YYYY.MM.dd') return String(event['@timestamp']).slice(0, 10).replaceAll('-', '.');
    const value = get(event, fieldPath(reference));
    if (typeof value !== 'string') throw new Error(`index ${pattern}: ${reference} is not set on the event`);
    return value;
  });
}
