import { dottedName } from './python-literal';
import * as checks from '../model/checks';
import { ProblemList } from '../model/model-error';
import { Packager, PackagerContext, PackagerPreflight, SupportFile } from '../model/packager';
import { SmokeCheck, validateSmokeCheck } from '../model/smoke-check';
import { shellQuote } from '../shell/shell-quote';

export interface ZipappPackagerProps {
  /** The folder holding the application's import packages, relative to the pipeline root. @default "src" */
  readonly sourceDir?: string;
  /** The entry function, "module:function", e.g. "desktop_app.cli:main". */
  readonly main: string;
  /**
   * Folders in the image whose contents are bundled next to the sources: where the runtime
   * stage installed the third-party and local dependencies. @default []
   */
  readonly bundle?: readonly string[];
  /** The interpreter line of the archive. @default "/usr/bin/env python3" */
  readonly interpreter?: string;
  /** The quick proof that the built package starts. @default - none (the preflight reports it) */
  readonly smokeCheck?: SmokeCheck;
}

/**
 * Python's standard-library packager: a single-file `dist/<app>/<app>.pyz` holding the sources
 * and their dependencies; it runs wherever a full python3 is installed.
 */
export class ZipappPackager implements Packager {
  public readonly name = 'zipapp';
  /** `python3 -m zipapp` runs in the package stage. */
  public readonly requiresPython = true;

  constructor(private readonly props: ZipappPackagerProps) {}

  public get smokeCheck(): SmokeCheck | undefined {
    return this.props.smokeCheck;
  }

  public describe(ctx: PackagerContext): string {
    return `zipapp archive ${this.archive(ctx)} of ${this.sourceDir}/ (entry ${this.props.main})`;
  }

  public commands(ctx: PackagerContext): readonly string[] {
    const staging = `${ctx.buildDir}/zipapp/${ctx.appName}`;
    return [
      `rm -rf ${shellQuote(staging)}`,
      `mkdir -p ${shellQuote(staging)} ${shellQuote(ctx.packageDir)}`,
      `cp -R ${shellQuote(`${this.sourceDir}/.`)} ${shellQuote(`${staging}/`)}`,
      ...(this.props.bundle ?? []).map((dir) => `cp -R ${shellQuote(`${dir}/.`)} ${shellQuote(`${staging}/`)}`),
      `find ${shellQuote(staging)} -name __pycache__ -prune -exec rm -rf {} +`,
      `python3 -m zipapp ${shellQuote(staging)} --main ${shellQuote(this.props.main)} --python ${shellQuote(this.interpreter)} --compress --output ${shellQuote(this.archive(ctx))}`,
      // zipapp adds only the owner's execute bit (0744): everyone who can read the archive may run it.
      `chmod 0755 ${shellQuote(this.archive(ctx))}`,
      `printf 'zipapp: wrote %s (%s bytes)\\n' ${shellQuote(this.archive(ctx))} "$(wc -c <${shellQuote(this.archive(ctx))})"`,
    ];
  }

  public supportFiles(): readonly SupportFile[] {
    return [];
  }

  public inputs(): readonly string[] {
    return [this.sourceDir];
  }

  public preflight(): PackagerPreflight {
    return {
      entryModule: (this.props.main ?? '').split(':')[0],
      entryField: 'main',
      repositorySources: [this.sourceDir],
      imageSources: this.props.bundle ?? [],
      importPaths: [this.sourceDir],
      modules: [],
    };
  }

  public bundleContents(ctx: PackagerContext): readonly string[] {
    return [
      `- A single-file archive \`${this.archive(ctx)}\` that runs with \`${this.interpreter}\`, entry \`${this.props.main}\``,
      `- The application's packages from \`${this.sourceDir}/\``,
      ...(this.props.bundle ?? []).map((dir) => `- Everything in \`${dir}\` of the package stage's image (the installed dependencies)`),
    ];
  }

  public launchCommand(ctx: PackagerContext): string {
    return `python3 ${ctx.appName}/${ctx.appName}.pyz`;
  }

  public validate(problems: ProblemList, path: string): void {
    checks.check(problems, path, 'sourceDir', this.sourceDir, checks.relativePath);
    checks.check(problems, path, 'main', this.props.main, entryFunction);
    checks.listOf(problems, path, 'bundle', this.props.bundle).forEach((d, i) => checks.check(problems, path, `bundle[${i}]`, d, checks.absolutePath));
    checks.check(problems, path, 'interpreter', this.interpreter, checks.nonEmpty);
    if (this.props.smokeCheck !== undefined) validateSmokeCheck(problems, path, 'smokeCheck', this.props.smokeCheck);
  }

  private get sourceDir(): string {
    return this.props.sourceDir ?? 'src';
  }

  private get interpreter(): string {
    return this.props.interpreter ?? '/usr/bin/env python3';
  }

  private archive(ctx: PackagerContext): string {
    return `${ctx.packageDir}/${ctx.appName}.pyz`;
  }
}

/** "module:function", e.g. "my_app.cli:main". */
function entryFunction(value: string): string | undefined {
  const [module, fn, ...rest] = value.split(':');
  return rest.length > 0 || !fn || dottedName(module) || dottedName(fn) ? `${checks.show(value)} must be "module:function", e.g. "my_app.cli:main"` : undefined;
}
