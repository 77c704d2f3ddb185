// The Logstash filter interpreter the logstash-pipeline integration test relies on: each construct
// behaves as Logstash documents it, and what it does not interpret is refused.
import { describe, expect, it } from 'vitest';
import { applyFilter, expandIndex, fieldPath, parseFilter } from '../support/logstash-filter.ts';

const run = (filter: string, event: Record<string, unknown>) => applyFilter(parseFilter(`input { beats { port => 5044 } }\nfilter {\n${filter}\n}`), event);

describe('Logstash filter interpreter', () => {
  it('takes the first branch whose field equals the text, else the else branch; a missing field matches none', () => {
    const filter = `if [fields][src] == "a" { mutate { add_field => { "b" => "A" } } }
      else if [fields][src] == "b" { mutate { add_field => { "b" => "B" } } }
      else { mutate { add_field => { "b" => "other" } } }`;
    expect(run(filter, { fields: { src: 'a' } }).b).toBe('A');
    expect(run(filter, { fields: { src: 'b' } }).b).toBe('B');
    expect(run(filter, {}).b).toBe('other');
  });

  it('json: merges an object onto the event, keeps dotted keys as one field, takes @timestamp', () => {
    const event = run('json { source => "message" }', { message: '{"@timestamp":"2026-11-28T10:00:00.5Z","log.level":"info","message":"hi"}' });
    expect(event).toEqual({ '@timestamp': '2026-11-28T10:00:00.500Z', 'log.level': 'info', message: 'hi' });
    const badTime = run('json { source => "message" }', { message: '{"@timestamp":"yesterday"}' });
    expect(badTime).toMatchObject({ '_@timestamp': 'yesterday', tags: ['_timestampparsefailure'] });
  });

  it('json: tags invalid JSON unless skip_on_invalid_json, and tags JSON that is not an object', () => {
    expect(run('json { source => "message" }', { message: 'not json' }).tags).toEqual(['_jsonparsefailure']);
    expect(run('json { source => "message" skip_on_invalid_json => true }', { message: 'not json' })).toEqual({ message: 'not json' });
    expect(run('json { source => "message" skip_on_invalid_json => true }', { message: '42' }).tags).toEqual(['_jsonparsefailure']);
  });

  it('mutate: replace creates or overwrites, add_field appends to a field that exists, remove_field deletes', () => {
    const event = run(
      `mutate { replace => { "[event][dataset]" => "x" } add_field => { "[tag]" => "two" } }
       mutate { remove_field => ["agent", "[host][ip]"] }`,
      { event: { dataset: 'old' }, tag: 'one', agent: {}, host: { ip: '10.0.0.1', name: 'h' } },
    );
    expect(event).toEqual({ event: { dataset: 'x' }, tag: ['one', 'two'], host: { name: 'h' } });
  });

  it('dissect: splits on the delimiters left to right into nested fields, converts, tags a line that does not fit', () => {
    const filter = `dissect {
      mapping => { "message" => '%{[a][ip]}:%{[a][port]} [%{[t]}] "%{[m]}"' }
      convert_datatype => { "[a][port]" => "int" }
      tag_on_failure => ["_bad"]
    }`;
    expect(run(filter, { message: '10.0.0.1:80 [x y] "GET /"' })).toEqual({
      message: '10.0.0.1:80 [x y] "GET /"',
      a: { ip: '10.0.0.1', port: 80 },
      t: 'x y',
      m: 'GET /',
    });
    expect(run(filter, { message: '10.0.0.1 80' })).toEqual({ message: '10.0.0.1 80', tags: ['_bad'] });
    expect(() => run('dissect { mapping => { "message" => "%{a} %{+a}" } }', { message: 'x y' })).toThrow('dissect key %{a} is not interpreted');
  });

  it('date: reads the format in UTC into @timestamp, tags what does not parse, refuses the host zone', () => {
    const filter = 'date { match => ["[d]", "dd/MMM/yyyy:HH:mm:ss.SSS"] timezone => "UTC" tag_on_failure => ["_late"] }';
    expect(run(filter, { d: '28/Nov/2026:23:59:58.007' })['@timestamp']).toBe('2026-11-28T23:59:58.007Z');
    expect(run(filter, { d: '2026-11-28' }).tags).toEqual(['_late']);
    expect(() => run('date { match => ["[d]", "dd/MMM/yyyy"] }', { d: '28/Nov/2026' })).toThrow("in the Logstash host's zone");
  });

  it('de_dot nested: dotted top-level keys become paths, their values winning; mutate copy duplicates a field', () => {
    expect(run('de_dot { nested => true }', { 'ecs.version': '8.10.0', ecs: { version: '1.12.0' }, 'log.level': 'info', log: { offset: 3 } })).toEqual({
      ecs: { version: '8.10.0' },
      log: { level: 'info', offset: 3 },
    });
    expect(run('mutate { copy => { "[s][address]" => "[s][ip]" } }', { s: { address: '10.0.0.1' } })).toEqual({ s: { address: '10.0.0.1', ip: '10.0.0.1' } });
  });

  it('refuses plugins, options, conditions and references it does not interpret', () => {
    expect(() => run('grok { match => { "message" => "%{WORD:w}" } }', {})).toThrow('filter grok is not interpreted');
    expect(() => run('json { source => "message" target => "doc" }', {})).toThrow('json option "target" is not interpreted');
    expect(() => run('if [a] in ["x"] { mutate { } }', {})).toThrow('unsupported condition');
    expect(() => run('mutate { add_field => { "a" => "%{[b]}" } }', {})).toThrow('%{} reference');
    expect(() => fieldPath('[a]b')).toThrow('cannot read field reference');
    expect(() => parseFilter('input { }')).toThrow('no filter section');
  });

  it('expands an output index from a metadata field and the UTC day of @timestamp', () => {
    const event = { '@timestamp': '2026-11-28T23:59:59.000Z', '@metadata': { log_source: 'app' } };
    expect(expandIndex('logs-chatops-%{[@metadata][log_source]}-%{+YYYY.MM.dd}', event)).toBe('logs-chatops-app-2026.11.28');
    expect(() => expandIndex('logs-%{[@metadata][missing]}', event)).toThrow('[@metadata][missing] is not set');
  });
});
