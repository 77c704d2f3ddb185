// The operator code's shape: no import cycle among ops/ and certs/ modules, and no function
// longer than 80 lines (tables are data, not functions, so they are not counted).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const REPO = path.resolve(import.meta.dirname, '../..');
const ROOTS = ['ops', 'certs'];
const MAX_FUNCTION_LINES = 80;

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(REPO, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'generated' ? [] : sourceFiles(relative);
    return entry.name.endsWith('.ts') ? [relative] : [];
  });
}

const files = ROOTS.flatMap(sourceFiles).sort();
const parsed = new Map(files.map((file) => [file, ts.createSourceFile(file, readFileSync(path.join(REPO, file), 'utf8'), ts.ScriptTarget.ES2022, true)]));

/** Modules a file loads when it is loaded: static imports and re-exports that carry values. */
function staticImports(file: string, source: ts.SourceFile): string[] {
  const targets: string[] = [];
  for (const statement of source.statements) {
    const isImport = ts.isImportDeclaration(statement) && !statement.importClause?.isTypeOnly;
    const isExport = ts.isExportDeclaration(statement) && !statement.isTypeOnly && statement.moduleSpecifier !== undefined;
    if (!isImport && !isExport) continue;
    const specifier = (statement as ts.ImportDeclaration | ts.ExportDeclaration).moduleSpecifier;
    if (!specifier || !ts.isStringLiteral(specifier) || !specifier.text.startsWith('.')) continue;
    targets.push(path.normalize(path.join(path.dirname(file), specifier.text)));
  }
  return targets.filter((target) => parsed.has(target));
}

/** Every cycle found by a depth-first walk, each as the chain of files that closes it. */
function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const walk = (file: string, chain: string[]): void => {
    state.set(file, 'open');
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') cycles.push([...chain.slice(chain.indexOf(next)), file, next]);
      else if (!state.has(next)) walk(next, [...chain, file]);
    }
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) walk(file, []);
  return cycles;
}

/** Functions, methods and arrow functions over the limit, as "file:line name (N lines)". */
function longFunctions(file: string, source: ts.SourceFile): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = end - start + 1;
      const name = node.name && ts.isIdentifier(node.name) ? node.name.text : '(anonymous)';
      if (lines > MAX_FUNCTION_LINES) found.push(`${file}:${start + 1} ${name} (${lines} lines)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('ops/ and certs/', () => {
  it('reads every module', () => {
    expect(files).toContain('ops/deploy.ts');
    expect(files).toContain('certs/plan.ts');
  });

  it('has no import cycle', () => {
    const graph = new Map([...parsed].map(([file, source]) => [file, staticImports(file, source)]));
    expect([...graph.values()].flat().length).toBeGreaterThan(files.length);
    expect(findCycles(graph).map((cycle) => cycle.join(' -> '))).toEqual([]);
  });

  it(`has no function longer than ${MAX_FUNCTION_LINES} lines`, () => {
    expect([...parsed].flatMap(([file, source]) => longFunctions(file, source))).toEqual([]);
  });
});

describe('the checks themselves', () => {
  it('find a cycle and name its chain', () => {
    const graph = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ]);
    expect(findCycles(graph)).toEqual([['a', 'b', 'c', 'a']]);
  });

  it('find a long arrow function inside a table and name its place', () => {
    const body = Array.from({ length: MAX_FUNCTION_LINES }, (_, i) => `  const v${i} = ${i};`).join('\n');
    const source = ts.createSourceFile(
      'x.ts',
      `export const table = {\n  run: () => {\n${body}\n  },\n};\nfunction short() {\n  return 1;\n}\n`,
      ts.ScriptTarget.ES2022,
      true,
    );
    expect(longFunctions('x.ts', source)).toEqual([`x.ts:2 (anonymous) (${MAX_FUNCTION_LINES + 2} lines)`]);
  });
});
