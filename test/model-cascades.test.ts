import { existsSync, readdirSync } from 'fs';
import { join } from 'path';
import {
  PackagingPipeline, PackagingPipelineProps, Packager, PyInstallerPackager, StageDefinition, Step,
} from '../src';
import { emptyProject, modelProblems } from './support/project';
import { EditableProps, smallPipelineProps, smallStages } from './support/small-pipeline';

/*
 * Issue 10, item 4 (c, d): a mistake is reported once, without the follow-on errors its cause
 * implies (an unknown `from` stage reported only that, not also the user and workdir the package
 * stage then seemed to lack); a Python packager needs Python on PATH in the package stage; the
 * package stage needs a user. Each case: exactly the expected lines, and nothing written.
 */

function props(change: (p: EditableProps) => void): PackagingPipelineProps {
  return smallPipelineProps(smallStages(), change);
}

/** Every problem of the changed model, as `[path] field: message`; checks that nothing was written. */
function problems(change: (p: EditableProps) => void): string[] {
  const project = emptyProject();
  new PackagingPipeline(project, 'App', props(change));
  const found = modelProblems(project);
  if (found.length > 0) {
    expect(readdirSync(project.outdir)).toEqual([]);
    expect(existsSync(join(project.outdir, 'bin/docker.sh'))).toBe(false);
  }
  return found;
}

const withStage = (i: number, change: Partial<StageDefinition>) => (p: EditableProps) => {
  p.stages[i] = { ...p.stages[i], ...change };
};

describe('one mistake, one message: follow-on errors are left out', () => {
  test('an unknown from stage reports only that (not the package stage\'s user and workdir)', () => {
    expect(problems(withStage(1, { from: { stage: 'bsae' } }))).toEqual([
      '[App/runtime] from.stage: unknown stage "bsae" (known: base, runtime, package)',
    ]);
  });

  test('an invalid from stage name is reported as invalid, not also as unknown', () => {
    expect(problems(withStage(1, { from: { stage: 'Base' } }))).toEqual([
      '[App/runtime] from.stage: "Base" is not a valid name (lowercase letters, digits, "-" and "_", starting with a letter)',
    ]);
  });

  test('a cyclic from reports the cycle only', () => {
    expect(problems(withStage(1, { from: { stage: 'package' } }))).toEqual([
      '[App/runtime] from.stage: cyclic "from": runtime -> package -> runtime',
      '[App/package] from.stage: cyclic "from": package -> runtime -> package',
    ]);
  });

  test('a package stage with no from reports that, not also "must be FROM another stage", user or workdir', () => {
    expect(problems(withStage(2, { from: undefined as unknown as StageDefinition['from'] }))).toEqual([
      '[App/package] from: is required: { image: "name:tag" } or { stage: "<earlier stage>" }',
    ]);
  });

  test('a first stage with an invalid image reports that, not the package stage\'s Python, user and workdir', () => {
    expect(problems(withStage(0, { from: { image: 'Debian:Bookworm' }, systemPackages: [] }))).toEqual([
      '[App/base] from.image: "Debian:Bookworm" is not a valid image reference (lowercase [registry/]name[:tag], e.g. "ubuntu:22.04")',
    ]);
  });

  test('a stage refused for its name: only that (not "needs at least two stages", nor the rules of the first and last stage)', () => {
    expect(problems((p) => {
      p.stages = [{ ...p.stages[0], name: 'Base' }, { ...p.stages[2], from: { stage: 'base' } }];
    })).toEqual([
      '[App] stages[0].name: "Base" is not a valid name (lowercase letters, digits, "-" and "_", starting with a letter)',
    ]);
    expect(problems((p) => {
      p.stages[2] = { ...p.stages[2], name: 'runtime' };
    })).toEqual([
      '[App/runtime] stages[2].name: duplicate stage name "runtime"',
    ]);
  });

  test('Python dependencies in a stage whose from is unknown: the from only, not the missing Python', () => {
    expect(problems((p) => {
      p.stages[0] = { ...p.stages[0], systemPackages: ['python3'] };
      p.stages[1] = { ...p.stages[1], from: { stage: 'nope' }, pythonDependencies: { manifest: 'requirements.txt' } };
    })).toEqual([
      '[App/runtime] from.stage: unknown stage "nope" (known: base, runtime, package)',
    ]);
  });
});

describe('a Python packager needs Python on PATH in the package stage', () => {
  const NO_PYTHON = 'the zipapp packager runs python3 in this stage, but no stage of base, runtime, package has Python on PATH; '
    + 'add "python3" to the systemPackages of the first stage, build it FROM a python image, or declare python: { version: "3.x.y" } on the stage whose run step installs Python';

  test('no python3 package, no python field, a base image without Python: one error at the package stage', () => {
    expect(problems(withStage(0, { systemPackages: ['git'] }))).toEqual([`[App/package] python: ${NO_PYTHON}`]);
  });

  test('python3-minimal is not enough (its interpreter lacks zipapp)', () => {
    expect(problems(withStage(0, { systemPackages: ['python3-minimal'] }))).toEqual([`[App/package] python: ${NO_PYTHON}`]);
  });

  test('PyInstaller too', () => {
    expect(problems((p) => {
      p.stages[0] = { ...p.stages[0], systemPackages: [] };
      p.packager = new PyInstallerPackager({ entryPoint: 'src/app/main.py' });
    })).toEqual([`[App/package] python: ${NO_PYTHON.replace('the zipapp packager', 'the pyinstaller packager')}`]);
  });

  test.each<[string, (p: EditableProps) => void]>([
    ['python3 in systemPackages', withStage(0, { systemPackages: ['python3'] })],
    ['a versioned python3.10 in systemPackages of a later stage', (p) => {
      p.stages[0] = { ...p.stages[0], systemPackages: [] };
      p.stages[1] = { ...p.stages[1], systemPackages: ['python3.10'] };
    }],
    ['python3-full', withStage(0, { systemPackages: ['python3-full'] })],
    ['a declared python on a stage whose run step installs it', (p) => {
      p.stages[0] = { ...p.stages[0], systemPackages: [] };
      p.stages[1] = { ...p.stages[1], python: { version: '3.12.1' }, steps: [Step.run('/opt/install-python.sh 3.12.1')] };
    }],
    ['an official python image', withStage(0, { systemPackages: [], from: { image: 'python:3.12-slim' } })],
    ['the official python image named in full', withStage(0, { systemPackages: [], from: { image: 'docker.io/library/python:3.12' } })],
  ])('Python is on PATH with %s', (_what, change) => {
    expect(problems(change)).toEqual([]);
  });

  test('a stage that is not on the package stage\'s chain does not count', () => {
    expect(problems((p) => {
      p.stages[0] = { ...p.stages[0], systemPackages: [] };
      p.stages.splice(1, 0, { name: 'tools', description: 'Tools', from: { stage: 'base' }, images: { standard: 'example/app:tools', ci: 'example/app:tools_ci' }, systemPackages: ['python3'] });
    })).toEqual([`[App/package] python: ${NO_PYTHON}`]);
  });

  test('a packager that does not run Python (requiresPython unset) needs none', () => {
    const shellPackager: Packager = {
      name: 'copy',
      describe: () => 'a copy of the sources',
      commands: (ctx) => [`mkdir -p ${ctx.packageDir}`, `cp -R src/. ${ctx.packageDir}/`],
      supportFiles: () => [],
      inputs: () => ['src'],
      preflight: () => ({ repositorySources: ['src'], imageSources: [], importPaths: [], modules: [] }),
      bundleContents: () => [],
      launchCommand: (ctx) => `ls ${ctx.appName}`,
      validate: () => {},
    };
    expect(problems((p) => {
      p.stages[0] = { ...p.stages[0], systemPackages: [] };
      p.packager = shellPackager;
    })).toEqual([]);
  });
});

describe('the package stage needs a user', () => {
  test('no stage of its chain has one: one error at the package stage', () => {
    expect(problems(withStage(0, { user: undefined }))).toEqual([
      '[App/package] user: the package stage runs as a non-root user: give this stage or a parent a user',
    ]);
  });

  test('a user on the package stage itself or on a parent is enough', () => {
    expect(problems((p) => {
      p.stages[0] = { ...p.stages[0], user: undefined };
      p.stages[2] = { ...p.stages[2], user: { name: 'packager' } };
    })).toEqual([]);
  });
});
