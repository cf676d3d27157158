import * as fc from 'fast-check';
import {
  BundleFile, CollectedPackage, Packager, PyInstallerPackager, PyInstallerPackagerProps, SmokeCheck, ZipappPackager, ZipappPackagerProps,
} from '../../src';
import { absolutePath, relativePath, text, visibleText } from './values';

/*
 * fast-check arbitraries for the packagers (zipapp and PyInstaller, every prop) and their smoke
 * check: VALID settings made valid by construction, and the catalogue of single-field breaks of
 * a packager, each with the field its ModelError must name. The packager is kept as data (kind and
 * props) next to its instance, so that a mutation can change one prop and the read-back can
 * compare the generated files with the props.
 */

/** A packager as data: which one, and its props. */
export type PackagerSpec =
  | { readonly kind: 'zipapp'; readonly props: ZipappPackagerProps }
  | { readonly kind: 'pyinstaller'; readonly props: PyInstallerPackagerProps };

/** The packager a spec describes. */
export function packagerOf(spec: PackagerSpec): Packager {
  return spec.kind === 'zipapp' ? new ZipappPackager(spec.props) : new PyInstallerPackager(spec.props);
}

// ---------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------

const LOWER = [...'abcdefghijklmnopqrstuvwxyz'];
const UPPER = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'];
const DIGITS = [...'0123456789'];

/** A Python identifier of the ASCII kind the model takes: [A-Za-z_][A-Za-z0-9_]*. */
const identifier = fc.tuple(fc.constantFrom(...LOWER, ...UPPER, '_'), fc.string({ unit: fc.constantFrom(...LOWER, ...UPPER, ...DIGITS, '_'), maxLength: 6 }))
  .map(([a, b]) => a + b);
/** A dotted module name, e.g. "pkg.sub.mod". */
export const moduleName = fc.array(identifier, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('.'));

/** A segment of a repository glob: a literal segment, "*", "**", or one with "*" or "?" in it. */
const PATH_UNIT = [...'abcxyz019-_.+@%=,;&()# ', 'é', '中', '\u00a0'];
const literalSegment = fc.string({ unit: fc.constantFrom(...PATH_UNIT), minLength: 1, maxLength: 8 }).filter((s) => s !== '.' && s !== '..');
const globSegment = fc.oneof(
  { weight: 3, arbitrary: literalSegment },
  { weight: 1, arbitrary: fc.constantFrom('*', '**', '*.txt', '?') },
  { weight: 1, arbitrary: fc.tuple(literalSegment, fc.constantFrom('*', '?')).map(([s, w]) => `${s}${w}`) },
);
/** A path or glob under the pipeline root ("*", "?" and "**" are allowed; "[" and "]" are not). */
export const repositoryGlob = fc.array(globSegment, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/'))
  .filter((p) => p.trim() === p && !p.startsWith('-'));

/** Characters a destination in the bundle may hold: anything printable but the wildcards. */
const DESTINATION_UNIT = [...'abcXYZ019 _-.', '"', "'", '\\', '$', '`', '#', '{', '}', '(', ')', ';', '&', '|', '<', '>', '!', '~',
  '%', '=', ',', ':', '@', '+', 'é', '中', '😀', '\u00a0'];
const destinationSegment = fc.string({ unit: fc.constantFrom(...DESTINATION_UNIT), minLength: 1, maxLength: 8 }).filter((s) => s !== '..');
/** A folder in the bundle: "." (its top) or a relative path without ".." or wildcards. */
export const bundleDestination = fc.oneof(
  { weight: 1, arbitrary: fc.constant('.') },
  { weight: 4, arbitrary: fc.array(destinationSegment, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('/')).filter((d) => d.trim() !== '') },
);

/** A bundled file: a repository path (or glob, unless `exact`) or an image path, with its folder in the bundle. */
const bundleFile = (exact: boolean): fc.Arbitrary<BundleFile> => fc.record({
  source: fc.oneof(
    (exact ? relativePath : repositoryGlob).map((repository) => ({ repository })),
    absolutePath.map((image) => ({ image })),
  ),
  destination: bundleDestination,
});

/** A package taken whole: at least one collection helper; include_py_files only with collect_data_files. */
const collectedPackage: fc.Arbitrary<CollectedPackage> = fc.record({
  package: moduleName,
  helpers: fc.subarray(['dataFiles', 'submodules', 'dynamicLibs'] as const, { minLength: 1 }),
  includePyFiles: fc.boolean(),
  explicitFalse: fc.boolean(),
}).map(({ package: pkg, helpers, includePyFiles, explicitFalse }) => {
  const flag = (name: 'dataFiles' | 'submodules' | 'dynamicLibs') => (helpers.includes(name) ? { [name]: true } : explicitFalse ? { [name]: false } : {});
  return {
    package: pkg,
    ...flag('dataFiles'),
    ...flag('submodules'),
    ...flag('dynamicLibs'),
    ...(helpers.includes('dataFiles') && includePyFiles ? { includePyFiles: true } : {}),
  };
});

/** Regular expressions of the JavaScript/Python common subset, and random text made literal. */
const REGEX_SPECIAL = /[.*+?^${}()|[\]\\]/g;
const expectedOutput = fc.oneof(
  fc.constantFrom('^usage: ', '^Hello, .*!$', '\\d+', '^ok$', '(a|b)c?', '[0-9]{2,}', 'version [0-9]+\\.[0-9]+', '^\\s*ready',
    '(?<=a)b', '(?<!x)y', '[{,(?<]', '\\x41\\u0042', '\\bword\\b\\W', '(a)\\1', '[^\\]]', '(?:x|y){1,2}'),
  visibleText.map((t) => t.replace(REGEX_SPECIAL, '\\$&')),
);
const envName = fc.tuple(fc.constantFrom(...UPPER, '_'), fc.string({ unit: fc.constantFrom(...UPPER, ...DIGITS, '_'), maxLength: 8 })).map(([a, b]) => a + b);

/** A smoke check: arguments and environment of any printable text, a regular expression, a description. */
export const smokeCheck: fc.Arbitrary<SmokeCheck> = fc.record({
  arguments: fc.array(text, { maxLength: 3 }),
  expectedOutput,
  environment: fc.dictionary(envName, text, { maxKeys: 2 }),
  description: visibleText,
}, { requiredKeys: ['expectedOutput', 'description'] });

// ---------------------------------------------------------------------------------------------
// Valid packagers
// ---------------------------------------------------------------------------------------------

const zipappSpec: fc.Arbitrary<PackagerSpec> = fc.record({
  sourceDir: relativePath,
  main: fc.tuple(moduleName, identifier).map(([m, f]) => `${m}:${f}`),
  bundle: fc.array(absolutePath, { maxLength: 2 }),
  interpreter: fc.constantFrom('/usr/bin/env python3', '/usr/bin/python3', '/opt/py 3/bin/python3'),
  smokeCheck,
}, { requiredKeys: ['main'] }).map((props) => ({ kind: 'zipapp', props }));

const pyinstallerSpec: fc.Arbitrary<PackagerSpec> = fc.record({
  entryPoint: relativePath.map((p) => `${p}.py`),
  importPaths: fc.array(relativePath, { maxLength: 2 }),
  hiddenImports: fc.array(moduleName, { maxLength: 3 }),
  excludes: fc.array(moduleName, { maxLength: 2 }),
  datas: fc.array(bundleFile(false), { maxLength: 3 }),
  binaries: fc.array(bundleFile(false), { maxLength: 2 }),
  collect: fc.array(collectedPackage, { maxLength: 3 }),
  hookPaths: fc.array(relativePath, { maxLength: 2 }),
  besideBundle: fc.array(bundleFile(true), { maxLength: 2 }),
  console: fc.boolean(),
  mode: fc.constantFrom('one-dir' as const, 'one-file' as const),
  smokeCheck,
}, { requiredKeys: ['entryPoint'] }).map((props) => ({ kind: 'pyinstaller', props }));

/** Either packager, with any combination of its optional props. */
export const packagerSpec: fc.Arbitrary<PackagerSpec> = fc.oneof(zipappSpec, pyinstallerSpec);

// ---------------------------------------------------------------------------------------------
// Broken packagers: one field each
// ---------------------------------------------------------------------------------------------

/** Bad values of the packagers' fields. */
export const BAD_PACKAGER = {
  singleLine: ['a\nb', 'a\rb', 'nul\u0000', 'esc\u001b[31m', 'del\u007f', 'line\u2028sep', 'lone\ud800'],
  path: ['$HOME/x', 'a${X}', 'a\\b', 'a"b', "a'b", 'a`b`', ' lead', 'trail ', 'a\nb', 'a\u001bb', '', '  ', `${'d'.repeat(256)}/x`],
  relativeOnly: ['/abs', '-flag', '../up', 'a/../../b', '--from=x'],
  absoluteOnly: ['relative', '/a:b', '/a/../b', 'C:\\x'],
  module: ['', 'a-b', '1a', 'a..b', 'a.', '.a', 'a b', 'a\nb', 'mod:func', 'é', 5],
  /** Values that are not a list, for a list field. */
  notAList: ['x', {}, 5, null, true],
  /** Values that are not an object, for an object field (or a list item that must be one). */
  notAnObject: [null, 'x', 5, [], true],
  notABoolean: ['true', 'false', 1, 0, null, 'yes'],
  destination: ['', '  ', '/abs', '../x', 'a/../b', 'a/..', 'a*', 'b?', 'c[1]', 'd]', 'a\nb', 'tab\tx', 'esc\u001b', 'lone\ud800', 'x'.repeat(256), `a/${'y'.repeat(300)}`, 5, undefined],
  regex: ['', '   ', '(', '[a', '*a', 'a)', 'a\nb', '\\', '(?<', 5, undefined,
    // JavaScript takes these; Python refuses them or reads them differently.
    '(?<n>a)', '\\p{L}', 'a{,2}', '\\Aa', '\\k<n>', '\\xZZ', '\\cJ', '[]a]', '[^]'],
  envName: ['1A', 'A-B', 'a b', '', 'A=B'],
  main: ['x', 'a:b:c', 'a-b:c', ':main', 'a:', 'a.b', '', 'a:b c', 5],
  mode: ['onefile', 'one_dir', '', 'ONE-DIR', 1, null],
} as const;

/** One way to break a packager: the field its ModelError must name, and the changed props. */
export interface PackagerMutation {
  readonly what: string;
  readonly field: RegExp;
  readonly apply: (props: Record<string, unknown>) => Record<string, unknown>;
}

/** Every single-field break of a packager spec, each with the bad value `pick` chooses. */
export function packagerMutations(spec: PackagerSpec, pick: number): PackagerMutation[] {
  const choose = <T>(list: readonly T[]) => list[pick % list.length];
  const smoke: SmokeCheck = spec.props.smokeCheck ?? { expectedOutput: '^ok$', description: 'it starts' };
  const withSmoke = (change: Record<string, unknown>) => (p: Record<string, unknown>) => ({ ...p, smokeCheck: { ...smoke, ...change } });
  const list: PackagerMutation[] = [
    { what: 'a smoke check argument', field: /^smokeCheck\.arguments\[0\]$/, apply: withSmoke({ arguments: [choose(BAD_PACKAGER.singleLine), 'ok'] }) },
    { what: 'smoke check arguments that are not a list', field: /^smokeCheck\.arguments$/, apply: withSmoke({ arguments: choose(['--help', {}, 5, null]) }) },
    { what: 'the smoke check\'s expected output', field: /^smokeCheck\.expectedOutput$/, apply: withSmoke({ expectedOutput: choose(BAD_PACKAGER.regex) }) },
    { what: 'a smoke check environment name', field: /^smokeCheck\.environment\./, apply: withSmoke({ environment: { [choose(BAD_PACKAGER.envName)]: 'v' } }) },
    { what: 'a smoke check environment value', field: /^smokeCheck\.environment\.GOOD_NAME$/, apply: withSmoke({ environment: { GOOD_NAME: choose([...BAD_PACKAGER.singleLine, 5, null]) } }) },
    { what: 'a smoke check environment that is not one', field: /^smokeCheck\.environment$/, apply: withSmoke({ environment: choose(['A=1', ['A=1'], 5, null]) }) },
    { what: 'the smoke check\'s description', field: /^smokeCheck\.description$/, apply: withSmoke({ description: choose(['', '  ', ...BAD_PACKAGER.singleLine, undefined, 5]) }) },
    { what: 'a smoke check that is not one', field: /^smokeCheck$/, apply: (p) => ({ ...p, smokeCheck: choose(['--help', [], 5, null, true]) }) },
  ];
  if (spec.kind === 'zipapp') {
    list.push(
      { what: 'the zipapp source folder', field: /^sourceDir$/, apply: (p) => ({ ...p, sourceDir: choose([...BAD_PACKAGER.path, ...BAD_PACKAGER.relativeOnly]) }) },
      { what: 'the zipapp entry function', field: /^main$/, apply: (p) => ({ ...p, main: choose(BAD_PACKAGER.main) }) },
      { what: 'a zipapp bundle folder', field: /^bundle\[0\]$/, apply: (p) => ({ ...p, bundle: [choose([...BAD_PACKAGER.path, ...BAD_PACKAGER.absoluteOnly])] }) },
      { what: 'zipapp bundle folders that are not a list', field: /^bundle$/, apply: (p) => ({ ...p, bundle: choose(BAD_PACKAGER.notAList) }) },
      { what: 'the zipapp interpreter', field: /^interpreter$/, apply: (p) => ({ ...p, interpreter: choose(['', '  ', ...BAD_PACKAGER.singleLine, 5]) }) },
    );
    return list;
  }
  const lists = ['importPaths', 'hiddenImports', 'excludes', 'hookPaths', 'datas', 'binaries', 'besideBundle', 'collect'] as const;
  const files = ['datas', 'binaries', 'besideBundle'] as const;
  const fileField = choose(files);
  const at = (field: string) => new RegExp(`^${field.replace(/[[\].]/g, '\\$&')}$`);
  const withFile = (change: Record<string, unknown>) => (p: Record<string, unknown>) => ({
    ...p, [fileField]: [{ source: { repository: 'data' }, destination: '.', ...change }],
  });
  list.push(
    { what: 'the entry point', field: /^entryPoint$/, apply: (p) => ({ ...p, entryPoint: choose([...BAD_PACKAGER.path, ...BAD_PACKAGER.relativeOnly, 'main.pyc', 'main', undefined, 5]) }) },
    { what: 'an import path', field: /^importPaths\[0\]$/, apply: (p) => ({ ...p, importPaths: [choose([...BAD_PACKAGER.path, ...BAD_PACKAGER.relativeOnly, 5])] }) },
    { what: 'a hook folder', field: /^hookPaths\[0\]$/, apply: (p) => ({ ...p, hookPaths: [choose([...BAD_PACKAGER.path, ...BAD_PACKAGER.relativeOnly, 5])] }) },
    { what: 'a hidden import', field: /^hiddenImports\[0\]$/, apply: (p) => ({ ...p, hiddenImports: [choose(BAD_PACKAGER.module)] }) },
    { what: 'an excluded module', field: /^excludes\[0\]$/, apply: (p) => ({ ...p, excludes: [choose(BAD_PACKAGER.module)] }) },
    { what: 'a list field that is not a list', field: at(choose(lists)), apply: (p) => ({ ...p, [choose(lists)]: choose(BAD_PACKAGER.notAList) }) },
    { what: 'a bundled file that is not one', field: at(`${fileField}[0]`), apply: (p) => ({ ...p, [fileField]: [choose(BAD_PACKAGER.notAnObject)] }) },
    { what: 'a bundled file\'s source that is not one', field: at(`${fileField}[0].source`), apply: withFile({ source: choose([{}, { repository: 'a', image: '/a' }, 'x', null, { path: 'a' }, undefined]) }) },
    { what: 'a bundled file\'s repository source', field: at(`${fileField}[0].source.repository`), apply: withFile({ source: { repository: choose([...BAD_PACKAGER.path, ...BAD_PACKAGER.relativeOnly, 'a[1]', 'b]', 5, ...(fileField === 'besideBundle' ? ['a*', 'b?', '**'] : [])]) } }) },
    { what: 'a bundled file\'s image source', field: at(`${fileField}[0].source.image`), apply: withFile({ source: { image: choose([...BAD_PACKAGER.path, ...BAD_PACKAGER.absoluteOnly, '/a/*', '/a?', '/a[1]', 5]) } }) },
    { what: 'a bundled file\'s destination', field: at(`${fileField}[0].destination`), apply: withFile({ destination: choose(BAD_PACKAGER.destination) }) },
    { what: 'a collected package\'s name', field: /^collect\[0\]\.package$/, apply: (p) => ({ ...p, collect: [{ package: choose(BAD_PACKAGER.module), dataFiles: true }] }) },
    { what: 'a collected package with no helper', field: /^collect\[0\]$/, apply: (p) => ({ ...p, collect: [choose([{ package: 'pkg' }, { package: 'pkg', dataFiles: false, submodules: false, dynamicLibs: false }])] }) },
    { what: 'include_py_files without collect_data_files', field: /^collect\[0\]\.includePyFiles$/, apply: (p) => ({ ...p, collect: [{ package: 'pkg', submodules: true, includePyFiles: true }] }) },
    { what: 'a collected package that is not one', field: /^collect\[0\]$/, apply: (p) => ({ ...p, collect: [choose(BAD_PACKAGER.notAnObject)] }) },
    {
      what: 'a collection flag that is not true or false',
      field: new RegExp(`^collect\\[0\\]\\.${choose(['dataFiles', 'submodules', 'dynamicLibs', 'includePyFiles'])}$`),
      apply: (p) => ({ ...p, collect: [{ package: 'pkg', dataFiles: true, submodules: true, [choose(['dataFiles', 'submodules', 'dynamicLibs', 'includePyFiles'])]: choose(BAD_PACKAGER.notABoolean) }] }),
    },
    { what: 'the mode', field: /^mode$/, apply: (p) => ({ ...p, mode: choose(BAD_PACKAGER.mode) }) },
    { what: 'console', field: /^console$/, apply: (p) => ({ ...p, console: choose(BAD_PACKAGER.notABoolean) }) },
  );
  return list;
}
