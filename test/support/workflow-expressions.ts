/*
 * A tiny evaluator of GitHub Actions expressions, for the local rehearsal of the generated
 * workflows (test/support/rehearsal.ts). It knows the subset those workflows use, and refuses
 * anything else with an error, so that a workflow cannot use an expression the rehearsal would
 * get wrong:
 *  - literals: 'strings' ('' is a quote), true, false, null, whole numbers;
 *  - context properties: github.x.y, secrets.X, env.X, steps.ID.outputs.NAME; a property the rehearsal does not set is refused;
 *  - operators: ( ), !, ==, != (strings compare ignoring case, as GitHub does; other types must match), &&, ||
 *    (which return an operand, as GitHub's do);
 *  - the status functions success(), failure(), always(), cancelled().
 * `if:` conditions without a status function get GitHub's implicit `success() && (...)`.
 */

export type Value = string | number | boolean | null;

/** What an expression can see: the contexts, and the status of the job or the steps before. */
export interface ExpressionContext {
  readonly contexts: Readonly<Record<string, unknown>>;
  /** Whether every step (or needed job) before succeeded. */
  readonly succeeded: boolean;
}

type Node =
  | { kind: 'literal'; value: Value }
  | { kind: 'property'; path: string[] }
  | { kind: 'call'; name: StatusFunction }
  | { kind: 'not'; operand: Node }
  | { kind: 'compare'; op: '==' | '!='; left: Node; right: Node }
  | { kind: 'logic'; op: '&&' | '||'; left: Node; right: Node };

type StatusFunction = 'success' | 'failure' | 'always' | 'cancelled';
const STATUS_FUNCTIONS: readonly StatusFunction[] = ['success', 'failure', 'always', 'cancelled'];
const CONTEXTS = ['github', 'secrets', 'env', 'steps'];

type Token = { kind: 'string'; value: string } | { kind: 'number'; value: number } | { kind: 'word'; value: string } | { kind: 'op'; value: string };

export class ExpressionError extends Error {
  constructor(expression: string, message: string) {
    super(`expression ${JSON.stringify(expression)}: ${message} (the rehearsal evaluates only the subset of test/support/workflow-expressions.ts)`);
    this.name = 'ExpressionError';
  }
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new ExpressionError(text, 'an unclosed string');
        if (text[i] === "'" && text[i + 1] === "'") {
          value += "'";
          i += 2;
        } else if (text[i] === "'") {
          i++;
          break;
        } else {
          value += text[i++];
        }
      }
      tokens.push({ kind: 'string', value });
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+/.exec(text.slice(i))![0];
      tokens.push({ kind: 'number', value: Number(m) });
      i += m.length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(text.slice(i))![0];
      tokens.push({ kind: 'word', value: m });
      i += m.length;
    } else {
      const op = ['==', '!=', '&&', '||'].find((o) => text.startsWith(o, i)) ?? (['(', ')', '!', '.'].includes(c) ? c : undefined);
      if (!op) throw new ExpressionError(text, `${JSON.stringify(c)} is not in the subset`);
      tokens.push({ kind: 'op', value: op });
      i += op.length;
    }
  }
  return tokens;
}

/** Parses one expression (the text inside `${{ }}`). */
export function parseExpression(text: string): Node {
  const tokens = tokenize(text);
  let at = 0;
  const peek = () => tokens[at];
  const isOp = (value: string) => peek()?.kind === 'op' && peek()!.value === value;
  const expectOp = (value: string) => {
    if (!isOp(value)) throw new ExpressionError(text, `expected "${value}"`);
    at++;
  };
  const binary = (next: () => Node, ops: string[], make: (op: string, left: Node, right: Node) => Node) => (): Node => {
    let left = next();
    while (peek()?.kind === 'op' && ops.includes(String(peek()!.value))) {
      const op = String(tokens[at++].value);
      left = make(op, left, next());
    }
    return left;
  };
  const primary = (): Node => {
    const token = tokens[at++];
    if (!token) throw new ExpressionError(text, 'ends too early');
    if (token.kind === 'string') return { kind: 'literal', value: token.value };
    if (token.kind === 'number') return { kind: 'literal', value: token.value };
    if (token.kind === 'op' && token.value === '(') {
      const inner = or();
      expectOp(')');
      return inner;
    }
    if (token.kind === 'op' && token.value === '!') return { kind: 'not', operand: primary() };
    if (token.kind === 'word') {
      if (token.value === 'true' || token.value === 'false') return { kind: 'literal', value: token.value === 'true' };
      if (token.value === 'null') return { kind: 'literal', value: null };
      if (isOp('(')) {
        if (!STATUS_FUNCTIONS.includes(token.value as StatusFunction)) throw new ExpressionError(text, `the function ${token.value}() is not in the subset`);
        at++;
        expectOp(')');
        return { kind: 'call', name: token.value as StatusFunction };
      }
      if (!CONTEXTS.includes(token.value)) throw new ExpressionError(text, `the context "${token.value}" is not in the subset (${CONTEXTS.join(', ')})`);
      const path = [token.value];
      while (isOp('.')) {
        at++;
        const name = tokens[at++];
        if (name?.kind !== 'word') throw new ExpressionError(text, 'expected a property name after "."');
        path.push(name.value);
      }
      if (path.length < 2) throw new ExpressionError(text, `a whole context (${path[0]}) is not in the subset`);
      return { kind: 'property', path };
    }
    throw new ExpressionError(text, `unexpected ${JSON.stringify(token.value)}`);
  };
  const comparison = (): Node => {
    const left = primary();
    if (isOp('==') || isOp('!=')) {
      const op = tokens[at++].value as '==' | '!=';
      return { kind: 'compare', op, left, right: primary() };
    }
    return left;
  };
  const and = binary(comparison, ['&&'], (op, left, right) => ({ kind: 'logic', op: op as '&&', left, right }));
  const or = binary(and, ['||'], (op, left, right) => ({ kind: 'logic', op: op as '||', left, right }));
  const node = or();
  if (at !== tokens.length) throw new ExpressionError(text, `unexpected ${JSON.stringify(tokens[at].value)}`);
  return node;
}

function truthy(value: Value): boolean {
  return !(value === false || value === null || value === 0 || value === '' || Number.isNaN(value));
}

function usesStatus(node: Node): boolean {
  switch (node.kind) {
    case 'call': return true;
    case 'not': return usesStatus(node.operand);
    case 'compare': case 'logic': return usesStatus(node.left) || usesStatus(node.right);
    default: return false;
  }
}

function evaluate(node: Node, context: ExpressionContext, text: string): Value {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'property': {
      let value: unknown = context.contexts;
      for (const name of node.path) {
        if (value === null || typeof value !== 'object' || !(name in (value as object))) {
          throw new ExpressionError(text, `${node.path.join('.')} is not set by the rehearsal`);
        }
        value = (value as Record<string, unknown>)[name];
      }
      if (value !== null && typeof value === 'object') throw new ExpressionError(text, `${node.path.join('.')} is an object, not a value`);
      return value as Value;
    }
    case 'call':
      return node.name === 'always' ? true : node.name === 'success' ? context.succeeded : node.name === 'failure' ? !context.succeeded : false;
    case 'not':
      return !truthy(evaluate(node.operand, context, text));
    case 'compare': {
      const left = evaluate(node.left, context, text);
      const right = evaluate(node.right, context, text);
      if (typeof left !== typeof right) throw new ExpressionError(text, `compares a ${left === null ? 'null' : typeof left} with a ${right === null ? 'null' : typeof right} (GitHub's coercions are not in the subset)`);
      const equal = typeof left === 'string' && typeof right === 'string' ? left.toLowerCase() === right.toLowerCase() : left === right;
      return node.op === '==' ? equal : !equal;
    }
    case 'logic': {
      const left = evaluate(node.left, context, text);
      if (node.op === '&&') return truthy(left) ? evaluate(node.right, context, text) : left;
      return truthy(left) ? left : evaluate(node.right, context, text);
    }
  }
}

/** The value of one expression (the text inside `${{ }}`). */
export function evaluateExpression(text: string, context: ExpressionContext): Value {
  return evaluate(parseExpression(text), context, text);
}

/**
 * Whether an `if:` condition holds: `${{ expr }}` or a bare expression; without a status
 * function, GitHub's implicit `success() && (...)`.
 */
export function evaluateCondition(condition: string | undefined, context: ExpressionContext): boolean {
  if (condition === undefined) return context.succeeded;
  const whole = /^\s*\$\{\{([\s\S]*)\}\}\s*$/.exec(condition);
  const text = whole ? whole[1] : condition;
  if (text.includes('${{')) throw new ExpressionError(condition, 'an if: with text around ${{ }} is not in the subset');
  const node = parseExpression(text);
  const value = truthy(evaluate(node, context, text));
  return usesStatus(node) ? value : context.succeeded && value;
}

/** A string with each `${{ expr }}` replaced by its value (null gives ""), as GitHub does in `with:` and `env:`. */
export function substitute(text: string, context: ExpressionContext): string {
  return text.replace(/\$\{\{([\s\S]*?)\}\}/g, (_, expression: string) => {
    const value = evaluateExpression(expression, context);
    return value === null ? '' : String(value);
  });
}
