import { Component } from 'projen';
import { GeneratedFile } from './generated-file';
import type { PackagingPipeline } from './packaging-pipeline';
import { preflightPath, renderPreflightProgram } from '../preflight/preflight-program';

/** `<support>/preflight.py`: the checks the driver runs before any build. */
export class PreflightProgram extends Component {
  constructor(pipeline: PackagingPipeline) {
    super(pipeline, 'PreflightProgram');
    new GeneratedFile(this, pipeline.projectPath(preflightPath(pipeline.model)), {
      executable: true,
      render: () => renderPreflightProgram(pipeline.model),
    });
  }
}
