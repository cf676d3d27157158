import { BundleFile, CollectedPackage, helperCalls, sourcePath, validateBundleFiles, validateCollectedPackages } from './pyinstaller-bundle';
import { renderSpec, SpecSettings } from './pyinstaller-spec';
import { dottedName } from './python-literal';
import * as checks from '../model/checks';
import { ProblemList } from '../model/model-error';
import { Packager, PackagerContext, PackagerPreflight, SupportFile } from '../model/packager';
import { SmokeCheck, validateSmokeCheck } from '../model/smoke-check';
import { shellQuote } from '../shell/shell-quote';

/** A one-dir bundle (`dist/<app>/<app>` plus `_internal/`) or a single executable (`dist/<app>/<app>`). */
export type PyInstallerMode = 'one-dir' | 'one-file';

export interface PyInstallerPackagerProps {
  /** The application's entry script, relative to the pipeline root, e.g. "src/airunner/main.py". */
  readonly entryPoint: string;
  /** Import roots added to the analysis, relative to the pipeline root. @default ["src"] */
  readonly importPaths?: readonly string[];
  /** Modules PyInstaller cannot find by itself (imported dynamically). @default [] */
  readonly hiddenImports?: readonly string[];
  /** Modules left out of the package even when something imports them. @default [] */
  readonly excludes?: readonly string[];
  /** Data files and folders, from the repository or the package stage's image, with their folder in the bundle. @default [] */
  readonly datas?: readonly BundleFile[];
  /** Shared libraries named one by one (those no collection helper or dependency analysis finds). @default [] */
  readonly binaries?: readonly BundleFile[];
  /** Whole packages taken with collect_data_files / collect_submodules / collect_dynamic_libs. @default [] */
  readonly collect?: readonly CollectedPackage[];
  /** Folders of extra PyInstaller hooks, relative to the pipeline root. @default [] */
  readonly hookPaths?: readonly string[];
  /** Files copied beside the bundle (into dist/<app>/, next to the executable), no wildcards. @default [] */
  readonly besideBundle?: readonly BundleFile[];
  /** A console application (true) or a windowed one (false). @default true */
  readonly console?: boolean;
  /** One folder or one file. @default "one-dir" */
  readonly mode?: PyInstallerMode;
  /** The quick proof that the built package starts. @default - none (the preflight reports it) */
  readonly smokeCheck?: SmokeCheck;
}

const MODES: readonly PyInstallerMode[] = ['one-dir', 'one-file'];

/**
 * PyInstaller build from a generated spec file. PyInstaller itself comes from the runtime
 * stage's Python dependencies.
 */
export class PyInstallerPackager implements Packager {
  public readonly name = 'pyinstaller';
  /** `python3 -m PyInstaller` runs in the package stage. */
  public readonly requiresPython = true;

  /** The packager's settings as given (the native package jobs read the portable ones). */
  constructor(public readonly props: PyInstallerPackagerProps) {}

  public get smokeCheck(): SmokeCheck | undefined {
    return this.props.smokeCheck;
  }

  public describe(ctx: PackagerContext): string {
    return `PyInstaller ${this.mode} build of ${this.props.entryPoint} into ${ctx.packageDir}/ from ${this.specPath(ctx)}`;
  }

  public commands(ctx: PackagerContext): readonly string[] {
    // One file: the executable goes straight into dist/<app>/, the folder the package script tars.
    const distPath = this.mode === 'one-file' ? ctx.packageDir : ctx.distDir;
    return [
      `python3 -m PyInstaller --noconfirm --clean --distpath ${shellQuote(distPath)} --workpath ${shellQuote(`${ctx.buildDir}/pyinstaller`)} ${shellQuote(this.specPath(ctx))}`,
    ];
  }

  public supportFiles(ctx: PackagerContext): readonly SupportFile[] {
    return [{ name: `${ctx.appName}.spec`, content: renderSpec(this.settings, ctx) }];
  }

  public inputs(): readonly string[] {
    return [this.props.entryPoint];
  }

  public preflight(): PackagerPreflight {
    const s = this.settings;
    const files = [...s.datas, ...s.binaries, ...s.besideBundle].map((f) => sourcePath(f.source));
    return {
      entryScript: s.entryPoint,
      entryField: 'entryPoint',
      repositorySources: [...files.filter((f) => f.inRepository).map((f) => f.path), ...s.hookPaths],
      imageSources: files.filter((f) => !f.inRepository).map((f) => f.path),
      importPaths: s.importPaths,
      modules: [...s.hiddenImports, ...s.collect.map((c) => c.package)],
    };
  }

  public bundleContents(ctx: PackagerContext): readonly string[] {
    const s = this.settings;
    const code = (v: string) => `\`${v}\``;
    const file = (f: BundleFile) => `${code(sourcePath(f.source).path)} → ${code(f.destination)}`;
    const items = [`- A ${s.console ? 'console' : 'windowed'} application, ${this.mode} (${code(`${ctx.packageDir}/${ctx.appName}`)})`];
    const repo = s.datas.filter((f) => sourcePath(f.source).inRepository);
    const image = s.datas.filter((f) => !sourcePath(f.source).inRepository);
    if (repo.length) items.push(`- Data from the repository (${repo.length}): ${repo.map(file).join(', ')}`);
    if (image.length) items.push(`- Data from the ${'package stage\'s'} image (${image.length}): ${image.map(file).join(', ')}`);
    if (s.binaries.length) items.push(`- Libraries named one by one (${s.binaries.length}): ${s.binaries.map(file).join(', ')}`);
    if (s.collect.length) items.push(`- Packages collected whole (${s.collect.length}): ${s.collect.map((c) => `${code(c.package)} (${helperCalls(c).join(', ')})`).join(', ')}`);
    if (s.hiddenImports.length) items.push(`- Hidden imports (${s.hiddenImports.length}): ${s.hiddenImports.map(code).join(', ')}`);
    if (s.excludes.length) items.push(`- Excluded modules: ${s.excludes.map(code).join(', ')}`);
    if (s.hookPaths.length) items.push(`- Hook folders: ${s.hookPaths.map(code).join(', ')}`);
    if (s.besideBundle.length) items.push(`- Beside the executable: ${s.besideBundle.map(file).join(', ')}`);
    return items;
  }

  public launchCommand(ctx: PackagerContext): string {
    return `./${ctx.appName}/${ctx.appName}`;
  }

  public validate(problems: ProblemList, path: string): void {
    const p = this.props;
    checks.check(problems, path, 'entryPoint', p.entryPoint, checks.relativePath, endsWith('.py'));
    const each = (field: string, values: readonly string[] | undefined, ...rules: checks.Check[]) => checks.listOf(problems, path, field, values)
      .forEach((v, i) => checks.check(problems, path, `${field}[${i}]`, v, ...rules));
    each('importPaths', p.importPaths, checks.relativePath);
    each('hiddenImports', p.hiddenImports, dottedName);
    each('excludes', p.excludes, dottedName);
    each('hookPaths', p.hookPaths, checks.relativePath);
    validateBundleFiles(problems, path, 'datas', p.datas);
    validateBundleFiles(problems, path, 'binaries', p.binaries);
    validateBundleFiles(problems, path, 'besideBundle', p.besideBundle, true);
    validateCollectedPackages(problems, path, 'collect', p.collect);
    if (p.mode !== undefined && !MODES.includes(p.mode)) problems.add(path, 'mode', `${JSON.stringify(p.mode)} must be one of ${MODES.join(', ')}`);
    if (p.console !== undefined && typeof p.console !== 'boolean') problems.add(path, 'console', 'must be true (console) or false (windowed)');
    if (p.smokeCheck !== undefined) validateSmokeCheck(problems, path, 'smokeCheck', p.smokeCheck);
  }

  private get mode(): PyInstallerMode {
    return this.props.mode ?? 'one-dir';
  }

  private get settings(): SpecSettings {
    const p = this.props;
    return {
      entryPoint: p.entryPoint,
      importPaths: p.importPaths ?? ['src'],
      hiddenImports: p.hiddenImports ?? [],
      excludes: p.excludes ?? [],
      datas: p.datas ?? [],
      binaries: p.binaries ?? [],
      collect: p.collect ?? [],
      hookPaths: p.hookPaths ?? [],
      besideBundle: p.besideBundle ?? [],
      console: p.console ?? true,
      oneFile: this.mode === 'one-file',
    };
  }

  private specPath(ctx: PackagerContext): string {
    return `${ctx.supportDir}/${ctx.appName}.spec`;
  }
}

function endsWith(suffix: string): (v: string) => string | undefined {
  return (v) => (v.endsWith(suffix) ? undefined : `"${v}" must end with "${suffix}"`);
}
