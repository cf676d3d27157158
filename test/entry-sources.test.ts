import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'fs';
import { dirname, join } from 'path';
import { Project } from 'projen';
import { PackagingPipeline, PackagingPipelineProps, PyInstallerPackager, ZipappPackager } from '../src';
import { emptyProject, modelProblems } from './support/project';
import { smallTwoStages } from './support/small-pipeline';

/*
 * The synthesis check of issue 8: the packager's entry module (zipapp `main`) or entry script
 * (PyInstaller `entryPoint`) must exist under the pipeline's source directory in the repository,
 * else a model error and nothing written; a pipeline whose sources live in another repository
 * (sourcesElsewhere) is not checked, and synthesis says so in a warning.
 */


function pipelineProps(extra: Partial<PackagingPipelineProps> = {}): PackagingPipelineProps {
  return {
    name: 'app',
    labelPrefix: 'org.example.build',
    stages: smallTwoStages(),
    packager: new ZipappPackager({ main: 'app.cli:main' }),
    ...extra,
  };
}

/** A project whose repository holds FILES (paths relative to its root, each with some text). */
function projectWith(files: string[]): Project {
  const project = emptyProject();
  for (const file of files) {
    mkdirSync(dirname(join(project.outdir, file)), { recursive: true });
    writeFileSync(join(project.outdir, file), '# source\n');
  }
  return project;
}

describe('the packager\'s entry must be in the repository', () => {
  test('a zipapp main module that is not under the source folder is a model error, and nothing is written', () => {
    const project = projectWith(['src/app/other.py']);
    new PackagingPipeline(project, 'App', pipelineProps());
    expect(modelProblems(project)).toEqual([
      '[App/packager] main: the entry module "app.cli" is not in the repository: no src/app/cli.py or src/app/cli/__init__.py '
      + 'under the project root; fix the name, add the sources, or set sourcesElsewhere: true on the pipeline when its sources live in another repository',
    ]);
    expect(existsSync(join(project.outdir, 'bin'))).toBe(false);
    expect(readdirSync(project.outdir).sort()).toEqual(['src']);
  });

  test('the module as a file or as a package is accepted', () => {
    for (const file of ['src/app/cli.py', 'src/app/cli/__init__.py']) {
      const project = projectWith([file]);
      new PackagingPipeline(project, 'App', pipelineProps());
      expect(modelProblems(project)).toEqual([]);
      expect(existsSync(join(project.outdir, 'bin/docker.sh'))).toBe(true);
    }
  });

  test('the source folder is looked for under the pipeline root', () => {
    const project = projectWith(['src/app/cli.py', 'apps/one/src/app/other.py']);
    new PackagingPipeline(project, 'App', pipelineProps({ root: 'apps/one' }));
    expect(modelProblems(project)).toEqual([expect.stringContaining('no src/app/cli.py or src/app/cli/__init__.py under apps/one;')]);
  });

  test('a PyInstaller entry script that does not exist is a model error naming entryPoint', () => {
    const project = projectWith(['src/app/cli.py']);
    new PackagingPipeline(project, 'App', pipelineProps({ packager: new PyInstallerPackager({ entryPoint: 'src/app/main.py' }) }));
    expect(modelProblems(project)).toEqual([expect.stringMatching(/^\[App\/packager\] entryPoint: the entry script "src\/app\/main\.py" is not in the repository: no src\/app\/main\.py under the project root; /)]);
  });

  test('sourcesElsewhere: no check, and a warning says so', () => {
    const project = projectWith([]);
    const warnings: string[] = [];
    project.logger.warn = (...text: unknown[]) => { warnings.push(text.join(' ')); };
    new PackagingPipeline(project, 'App', pipelineProps({ sourcesElsewhere: true }));
    expect(modelProblems(project)).toEqual([]);
    expect(warnings).toEqual([expect.stringContaining('[App] sourcesElsewhere: the sources are in another repository, so the copy sources, the dependency manifest and the packager\'s entry are not checked at synthesis')]);
  });
});
