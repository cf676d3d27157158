import { PackagingPipelineProps, StageDefinition, Step, ZipappPackager } from '../../src';

/*
 * The small valid pipeline that the model tests break one field of: a base stage with Python and a
 * user, a runtime stage that copies requirements.txt, a package stage that copies src/, and a
 * zipapp packager. Its projects hold no sources (sourcesElsewhere): the repository checks have
 * tests of their own (test/model-sources.test.ts, test/entry-sources.test.ts).
 */

/** The base stage: debian with python3, a user and a workdir. */
export function smallBaseStage(): StageDefinition {
  return {
    name: 'base',
    description: 'System packages',
    from: { image: 'debian:bookworm-slim' },
    images: { standard: 'example/app:base', ci: 'example/app:base_ci' },
    systemPackages: ['python3'],
    user: { name: 'appuser' },
    workdir: '/app',
  };
}

/** The package stage: FROM PARENT, copies src/. */
function smallPackageStage(parent: string): StageDefinition {
  return {
    name: 'package',
    description: 'Sources',
    from: { stage: parent },
    images: { standard: 'example/app:package', ci: 'example/app:package_ci' },
    steps: [Step.copy('src/', '/app/src/')],
  };
}

/** base -> package (src/): the shortest valid chain. */
export function smallTwoStages(): StageDefinition[] {
  return [smallBaseStage(), smallPackageStage('base')];
}

/** base -> runtime (requirements.txt) -> package (src/). */
export function smallStages(): StageDefinition[] {
  return [
    smallBaseStage(),
    {
      name: 'runtime',
      description: 'Dependencies',
      from: { stage: 'base' },
      images: { standard: 'example/app:runtime', ci: 'example/app:runtime_ci' },
      steps: [Step.copy('requirements.txt', '/app/')],
    },
    smallPackageStage('runtime'),
  ];
}

/** The props, writable, so that a test can break one field. */
export type EditableProps = { -readonly [K in keyof PackagingPipelineProps]: PackagingPipelineProps[K] } & { stages: StageDefinition[] };

/** The small pipeline's props made from STAGES, with CHANGE applied. */
export function smallPipelineProps(stages: StageDefinition[], change: (p: EditableProps) => void = () => {}): PackagingPipelineProps {
  const p: EditableProps = {
    name: 'app',
    labelPrefix: 'org.example.build',
    stages,
    packager: new ZipappPackager({ main: 'app.cli:main' }),
    sourcesElsewhere: true,
  };
  change(p);
  return p;
}
