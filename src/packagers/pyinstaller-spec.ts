import { BundleFile, CollectedPackage, sourcePath } from './pyinstaller-bundle';
import { pythonBool, pythonList, pythonString } from './python-literal';
import { GENERATED_MARKER } from '../model/generated-marker';
import { PackagerContext } from '../model/packager';

/** Everything the spec file is made from (the packager's settings, defaults applied). */
export interface SpecSettings {
  readonly entryPoint: string;
  readonly importPaths: readonly string[];
  readonly hiddenImports: readonly string[];
  readonly excludes: readonly string[];
  readonly datas: readonly BundleFile[];
  readonly binaries: readonly BundleFile[];
  readonly collect: readonly CollectedPackage[];
  readonly hookPaths: readonly string[];
  readonly besideBundle: readonly BundleFile[];
  readonly console: boolean;
  readonly oneFile: boolean;
}

/** A source as a Python expression: repository paths are joined to ROOT, image paths stay absolute. */
function sourceExpression(file: BundleFile): string {
  const { path, inRepository } = sourcePath(file.source);
  return inRepository ? `repository(${pythonString(path)})` : pythonString(path);
}

function tupleList(name: string, files: readonly BundleFile[]): string[] {
  if (files.length === 0) return [`${name} = []`];
  return [`${name} = [`, ...files.map((f) => `    (${sourceExpression(f)}, ${pythonString(f.destination)}),`), ']'];
}

function collectionCalls(packages: readonly CollectedPackage[]): string[] {
  return packages.flatMap((pkg) => {
    const name = pythonString(pkg.package);
    const calls: string[] = [];
    if (pkg.dataFiles) calls.push(`datas += collect_data_files(${name}${pkg.includePyFiles ? ', include_py_files=True' : ''})`);
    if (pkg.submodules) calls.push(`hiddenimports += collect_submodules(${name})`);
    if (pkg.dynamicLibs) calls.push(`binaries += collect_dynamic_libs(${name})`);
    return calls;
  });
}

/**
 * The PyInstaller spec: every value comes from the model and is written as a Python literal
 * (python-literal.ts). Repository paths are resolved from the spec's own folder, so the spec
 * works wherever the repository is (the image's working directory or a mounted checkout).
 */
export function renderSpec(settings: SpecSettings, ctx: PackagerContext): string {
  const up = ctx.supportDir.split('/').map(() => pythonString('..')).join(', ');
  const app = pythonString(ctx.appName);
  const mode = settings.oneFile ? 'one-file' : 'one-dir';
  const exe = settings.oneFile
    ? [
      'exe = EXE(',
      '    pyz,',
      '    a.scripts,',
      '    a.binaries,',
      '    a.datas,',
      '    [],',
      `    name=${app},`,
      '    strip=False,',
      '    upx=False,',
      `    console=${pythonBool(settings.console)},`,
      ')',
      '# One file: the executable itself is the bundle, in DISTPATH (the driver passes dist/<app>).',
      'BUNDLE_DIR = DISTPATH',
    ]
    : [
      'exe = EXE(',
      '    pyz,',
      '    a.scripts,',
      '    [],',
      '    exclude_binaries=True,',
      `    name=${app},`,
      '    strip=False,',
      '    upx=False,',
      `    console=${pythonBool(settings.console)},`,
      ')',
      `coll = COLLECT(exe, a.binaries, a.datas, strip=False, upx=False, name=${app})`,
      `BUNDLE_DIR = os.path.join(DISTPATH, ${app})`,
    ];
  const lines = [
    '# -*- mode: python ; coding: utf-8 -*-',
    `# ${GENERATED_MARKER}`,
    `# PyInstaller spec: ${mode} build of ${settings.entryPoint} into ${ctx.packageDir}/, ${settings.console ? 'console' : 'windowed'} application.`,
    'import os',
    'import shutil',
    '',
    'from PyInstaller.utils.hooks import collect_data_files, collect_dynamic_libs, collect_submodules',
    '',
    `ROOT = os.path.abspath(os.path.join(SPECPATH, ${up}))`,
    '',
    '',
    'def repository(path):',
    '    """A path of the repository (the pipeline root)."""',
    '    return os.path.join(ROOT, path)',
    '',
    '',
    '# Data and binaries named one by one: (source, folder in the bundle). Absolute sources are in the image.',
    ...tupleList('datas', settings.datas),
    ...tupleList('binaries', settings.binaries),
    `hiddenimports = ${pythonList(settings.hiddenImports)}`,
    '',
    '# Whole packages, through PyInstaller\'s collection helpers.',
    ...collectionCalls(settings.collect),
    '',
    'a = Analysis(',
    `    [repository(${pythonString(settings.entryPoint)})],`,
    `    pathex=[${settings.importPaths.map((p) => `repository(${pythonString(p)})`).join(', ')}],`,
    '    binaries=binaries,',
    '    datas=datas,',
    '    hiddenimports=hiddenimports,',
    `    hookspath=[${settings.hookPaths.map((p) => `repository(${pythonString(p)})`).join(', ')}],`,
    '    hooksconfig={},',
    '    runtime_hooks=[],',
    `    excludes=${pythonList(settings.excludes)},`,
    '    noarchive=False,',
    ')',
    'pyz = PYZ(a.pure)',
    ...exe,
    '',
    '# Files copied beside the bundle: (source, folder relative to BUNDLE_DIR).',
    ...tupleList('beside_bundle', settings.besideBundle),
    'for source, folder in beside_bundle:',
    '    target = os.path.join(BUNDLE_DIR, folder)',
    '    os.makedirs(target, exist_ok=True)',
    '    if os.path.isdir(source):',
    '        shutil.copytree(source, os.path.join(target, os.path.basename(source.rstrip("/"))), dirs_exist_ok=True)',
    '    else:',
    '        shutil.copy2(source, target)',
  ];
  return `${lines.join('\n')}\n`;
}
