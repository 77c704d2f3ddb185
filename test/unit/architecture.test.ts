// The code's shape, checked on the source: no import cycle among a root's modules, and no
// function longer than a reader can hold (80 lines), except the declarative tables below.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const repository = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The trees checked; each is walked on its own (a cycle is reported within one root). */
const roots = ['app/src'];

const maxFunctionLines = 80;

/**
 * Functions allowed past the limit because they are declarative tables (one entry per line,
 * no control flow), keyed `path:name`.
 */
const declarativeTables = new Set<string>([
  // one registry entry per Prometheus metric: name, help, labels
  'app/src/metrics.ts:createMetrics',
]);

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

function parse(path: string): ts.SourceFile {
  return ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
}

/** The modules `file` imports or re-exports statically through a relative path (types included). */
export function relativeImports(file: ts.SourceFile): string[] {
  const targets: string[] = [];
  for (const statement of file.statements) {
    const specifier = ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement) ? statement.moduleSpecifier : undefined;
    if (specifier && ts.isStringLiteral(specifier) && specifier.text.startsWith('.')) targets.push(resolve(dirname(file.fileName), specifier.text));
  }
  return targets;
}

/** Every cycle in the graph, each as the list of modules from its first member back to it. */
export function findCycles(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'visiting');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'visiting') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}

function functionName(node: ts.Node): string {
  if ((ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isGetAccessor(node)) && node.name) return node.name.getText();
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const parent = node.parent;
  if ((ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) && parent.name) return parent.name.getText();
  return '<anonymous>';
}

/** Functions, arrows, methods and constructors longer than `limit` lines, as `path:name (N lines)`. */
export function longFunctions(file: ts.SourceFile, limit: number, base: string): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const first = file.getLineAndCharacterOfPosition(node.getStart(file)).line;
      const last = file.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = last - first + 1;
      const key = `${relative(base, file.fileName)}:${functionName(node)}`;
      if (lines > limit && !declarativeTables.has(key)) found.push(`${key} (${lines} lines)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

describe('the checks themselves', () => {
  it('finds a cycle of two modules and none in a chain', () => {
    expect(
      findCycles(
        new Map([
          ['a', ['b']],
          ['b', ['a']],
        ]),
      ),
    ).toEqual([['a', 'b', 'a']]);
    expect(
      findCycles(
        new Map([
          ['a', ['b']],
          ['b', ['c']],
          ['c', []],
        ]),
      ),
    ).toEqual([]);
  });

  it('counts an arrow function past the limit and names it after its variable', () => {
    const body = Array.from({ length: 5 }, (_, i) => `  const v${i} = ${i};`).join('\n');
    const file = ts.createSourceFile('/x/long.ts', `export const build = () => {\n${body}\n};\nfunction short() { return 1; }\n`, ts.ScriptTarget.Latest, true);
    expect(longFunctions(file, 4, '/x')).toEqual(['long.ts:build (7 lines)']);
  });

  it('reads relative imports and re-exports, not packages', () => {
    const file = ts.createSourceFile(
      '/x/a.ts',
      "import { b } from './b.ts';\nimport type { C } from '../c.ts';\nexport * from './d.ts';\nimport ts from 'typescript';\n",
      ts.ScriptTarget.Latest,
      true,
    );
    expect(relativeImports(file)).toEqual(['/x/b.ts', '/c.ts', '/x/d.ts']);
  });
});

describe.each(roots)('%s', (root) => {
  const files = sourceFiles(join(repository, root)).map(parse);

  it('has no import cycle', () => {
    const graph = new Map(files.map((file) => [file.fileName, relativeImports(file)]));
    const cycles = findCycles(graph).map((cycle) => cycle.map((path) => relative(repository, path)).join(' -> '));
    expect(cycles).toEqual([]);
  });

  it(`has no function over ${maxFunctionLines} lines outside the declarative tables`, () => {
    expect(files.flatMap((file) => longFunctions(file, maxFunctionLines, repository))).toEqual([]);
  });
});
