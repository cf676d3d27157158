import { Component } from 'projen';
import type { PackagingPipeline } from './packaging-pipeline';
import { renderBuildDoc } from '../docs/build-doc';
import { renderDockerfile } from '../dockerfile/render-dockerfile';
import { renderDockerignore } from '../dockerfile/dockerignore';
import { stageDockerfile } from '../dockerfile/stage-dockerfile';
import { ImageStage } from '../model/image-stage';
import { preflightPath, renderPreflightProgram } from '../preflight/preflight-program';
import { renderDriverScript } from '../shell/driver-script';
import { renderEnvExample } from '../shell/env-example';
import { renderPackageScript } from '../shell/package-script';
import { renderValidationScript } from '../shell/validation-script';

/*
 * The files of one pipeline, one construct each. Each only says where its file goes, which model
 * field decides that path (for the error when the path is taken), and which renderer makes its
 * text; paths are relative to the pipeline root. Constructed only for a valid model.
 */

/** `<support>/Dockerfile.<stage>`, and `Dockerfile.<stage>.buildkit` (with cache mounts) for a stage that uses them. */
export class StageDockerfile extends Component {
  constructor(pipeline: PackagingPipeline, stage: ImageStage) {
    super(pipeline, `Dockerfile-${stage.name}`);
    pipeline.placeFile(this, 'paths.support', pipeline.model.dockerfilePath(stage), {
      render: () => renderDockerfile(stageDockerfile(pipeline.model, stage, 'plain')),
    });
    const buildKit = pipeline.model.buildKitDockerfilePath(stage);
    if (buildKit) {
      pipeline.placeFile(this, 'paths.support', buildKit, {
        render: () => renderDockerfile(stageDockerfile(pipeline.model, stage, 'buildkit')),
      });
    }
  }
}

/** `.dockerignore` at the pipeline root, the build context of every stage. */
export class Dockerignore extends Component {
  constructor(pipeline: PackagingPipeline) {
    super(pipeline, 'Dockerignore');
    pipeline.placeFile(this, 'root', '.dockerignore', {
      render: () => renderDockerignore(pipeline.model, pipeline.props.dockerignore),
    });
  }
}

/** `.env.example`: the variables the driver reads from `.env`. */
export class EnvExample extends Component {
  constructor(pipeline: PackagingPipeline) {
    super(pipeline, 'EnvExample');
    pipeline.placeFile(this, 'root', '.env.example', { render: () => renderEnvExample(pipeline.model) });
  }
}

/** The build driver, e.g. `src/airunner/bin/docker.sh`. */
export class BuildDriverScript extends Component {
  constructor(pipeline: PackagingPipeline) {
    super(pipeline, 'BuildDriverScript');
    pipeline.placeFile(this, 'paths.driver', pipeline.model.driverPath, {
      executable: true,
      render: () => renderDriverScript(pipeline.model),
    });
  }
}

/** The package script and the packager's support files (e.g. a PyInstaller spec), next to the Dockerfiles. */
export class PackageScript extends Component {
  constructor(pipeline: PackagingPipeline) {
    super(pipeline, 'PackageScript');
    const model = pipeline.model;
    pipeline.placeFile(this, 'paths.support', model.packageScriptPath, {
      executable: true,
      render: () => renderPackageScript(model),
    });
    for (const file of model.props.packager.supportFiles(model.packagerContext)) {
      pipeline.placeFile(this, 'paths.support', `${model.supportDir}/${file.name}`, { render: () => file.content });
    }
  }
}

/** The validation script, e.g. `test_ci_mode.sh`. */
export class ValidationScript extends Component {
  constructor(pipeline: PackagingPipeline) {
    super(pipeline, 'ValidationScript');
    pipeline.placeFile(this, 'paths.validationScript', pipeline.model.validationScriptPath, {
      executable: true,
      render: () => renderValidationScript(pipeline.model),
    });
  }
}

/** The build documentation, e.g. `docs/BUILD.md`. */
export class BuildDocumentation extends Component {
  constructor(pipeline: PackagingPipeline) {
    super(pipeline, 'BuildDocumentation');
    pipeline.placeFile(this, 'paths.docs', pipeline.model.docsPath, {
      render: () => renderBuildDoc(pipeline.model, pipeline.workflows),
    });
  }
}

/** `<support>/preflight.py`: the checks the driver runs before any build (and `check` runs alone). */
export class PreflightProgram extends Component {
  constructor(pipeline: PackagingPipeline) {
    super(pipeline, 'PreflightProgram');
    pipeline.placeFile(this, 'paths.support', preflightPath(pipeline.model), {
      executable: true,
      render: () => renderPreflightProgram(pipeline.model),
    });
  }
}
