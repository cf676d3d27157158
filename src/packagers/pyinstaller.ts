import { dottedName, pythonList, pythonString } from './python-literal';
import * as checks from '../model/checks';
import { GENERATED_MARKER } from '../model/generated-marker';
import { ProblemList } from '../model/model-error';
import { Packager, PackagerContext, SupportFile } from '../model/packager';
import { shellQuote } from '../shell/shell-quote';

export interface PyInstallerPackagerProps {
  /** The application's entry script, relative to the pipeline root, e.g. "src/airunner/main.py". */
  readonly entryPoint: string;
  /** Import roots added to the analysis, relative to the pipeline root. @default ["src"] */
  readonly importPaths?: readonly string[];
  /** Modules PyInstaller cannot find by itself. @default [] */
  readonly hiddenImports?: readonly string[];
  /** Open a console window (false for a windowed desktop app). @default true */
  readonly console?: boolean;
}

/**
 * PyInstaller one-dir build from a generated spec file: `dist/<app>/<app>` plus `dist/<app>/_internal/`.
 * PyInstaller itself comes from the runtime stage's Python dependencies.
 */
export class PyInstallerPackager implements Packager {
  public readonly name = 'pyinstaller';

  constructor(private readonly props: PyInstallerPackagerProps) {}

  public describe(ctx: PackagerContext): string {
    return `PyInstaller one-dir build of ${this.props.entryPoint} into ${ctx.packageDir}/ from ${this.specPath(ctx)}`;
  }

  public commands(ctx: PackagerContext): readonly string[] {
    return [
      `python3 -m PyInstaller --noconfirm --clean --distpath ${shellQuote(ctx.distDir)} --workpath ${shellQuote(`${ctx.buildDir}/pyinstaller`)} ${shellQuote(this.specPath(ctx))}`,
    ];
  }

  public supportFiles(ctx: PackagerContext): readonly SupportFile[] {
    const depth = ctx.supportDir.split('/').map(() => '..');
    const fromRoot = (p: string) => `os.path.join(ROOT, ${pythonString(p)})`;
    const lines = [
      '# -*- mode: python ; coding: utf-8 -*-',
      `# ${GENERATED_MARKER}`,
      `# PyInstaller spec: one-dir build of ${this.props.entryPoint} into ${ctx.packageDir}/.`,
      'import os',
      '',
      `ROOT = os.path.abspath(os.path.join(SPECPATH, ${depth.map(pythonString).join(', ')}))`,
      '',
      'a = Analysis(',
      `    [${fromRoot(this.props.entryPoint)}],`,
      `    pathex=[${(this.props.importPaths ?? ['src']).map(fromRoot).join(', ')}],`,
      '    binaries=[],',
      '    datas=[],',
      `    hiddenimports=${pythonList(this.props.hiddenImports ?? [])},`,
      '    excludes=[],',
      '    noarchive=False,',
      ')',
      'pyz = PYZ(a.pure)',
      'exe = EXE(',
      '    pyz,',
      '    a.scripts,',
      '    [],',
      '    exclude_binaries=True,',
      `    name=${pythonString(ctx.appName)},`,
      '    strip=False,',
      '    upx=False,',
      `    console=${this.props.console ?? true ? 'True' : 'False'},`,
      ')',
      `coll = COLLECT(exe, a.binaries, a.datas, strip=False, upx=False, name=${pythonString(ctx.appName)})`,
    ];
    return [{ name: `${ctx.appName}.spec`, content: `${lines.join('\n')}\n` }];
  }

  public inputs(): readonly string[] {
    return [this.props.entryPoint];
  }

  public launchCommand(ctx: PackagerContext): string {
    return `./${ctx.appName}/${ctx.appName}`;
  }

  public validate(problems: ProblemList, path: string): void {
    checks.check(problems, path, 'entryPoint', this.props.entryPoint ?? '', checks.relativePath, endsWith('.py'));
    (this.props.importPaths ?? []).forEach((p, i) => checks.check(problems, path, `importPaths[${i}]`, p, checks.relativePath));
    (this.props.hiddenImports ?? []).forEach((m, i) => checks.check(problems, path, `hiddenImports[${i}]`, m, dottedName));
  }

  private specPath(ctx: PackagerContext): string {
    return `${ctx.supportDir}/${ctx.appName}.spec`;
  }
}

function endsWith(suffix: string): (v: string) => string | undefined {
  return (v) => (v.endsWith(suffix) ? undefined : `"${v}" must end with "${suffix}"`);
}
