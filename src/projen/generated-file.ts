import { IConstruct } from 'constructs';
import { FileBase } from 'projen';

export interface GeneratedFileOptions {
  /** Pure function of the model that returns the file's full text (marker included). */
  readonly render: () => string;
  /** @default false */
  readonly executable?: boolean;
}

/**
 * A read-only, committed file whose text comes from a renderer. Rendering is deferred to
 * synthesis, after the model has been validated, so that bad input never half-renders.
 */
export class GeneratedFile extends FileBase {
  private readonly render: () => string;

  constructor(scope: IConstruct, filePath: string, options: GeneratedFileOptions) {
    super(scope, filePath, { readonly: true, executable: options.executable ?? false, marker: true });
    this.render = options.render;
  }

  protected synthesizeContent(): string {
    return this.render();
  }
}
