import { IConstruct } from 'constructs';

/** A construct's path below the root (the projen project), e.g. "AiRunner/runtime". */
export function constructPath(construct: IConstruct): string {
  return construct.node.scopes.slice(1).map((scope) => scope.node.id).join('/') || construct.node.id;
}

/**
 * One problem in the build model: the construct path and the field it is about.
 * Rendered as `[path] field: message`, in the style of cdk8s.
 */
export interface ModelProblem {
  readonly path: string;
  readonly field: string;
  readonly message: string;
}

/** Thrown before anything is written when the build model is invalid. */
export class ModelError extends Error {
  public readonly problems: readonly ModelProblem[];

  constructor(problems: readonly ModelProblem[]) {
    super(ModelError.format(problems));
    this.name = 'ModelError';
    this.problems = problems;
  }

  private static format(problems: readonly ModelProblem[]): string {
    const lines = problems.map((p) => `[${p.path}] ${p.field}: ${p.message}`);
    if (lines.length === 1) return `invalid build model: ${lines[0]}`;
    return `invalid build model (${lines.length} problems):\n  ${lines.join('\n  ')}`;
  }
}

/** Collects problems for one construct path; `throwIfAny` raises them together. */
export class ProblemList {
  private readonly items: ModelProblem[] = [];

  public add(path: string, field: string, message: string): void {
    this.items.push({ path, field, message });
  }

  public get all(): readonly ModelProblem[] {
    return this.items;
  }

  public throwIfAny(): void {
    if (this.items.length > 0) throw new ModelError(this.items);
  }
}
