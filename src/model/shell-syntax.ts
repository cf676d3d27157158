/**
 * A small scanner for one POSIX shell command (one entry of a run step), enough to tell whether
 * the command stays ONE clause when a step's entries are joined into a Dockerfile RUN as
 * `entry1 && entry2 && ...`. It follows quotes, backslash escapes, `$(...)`, `${...}`, `$((...))`,
 * backquotes, subshells and the compound commands (`if`/`fi`, `case`/`esac`, loops/`done`, `{`/`}`).
 *
 * It refuses what would silently change the build:
 * - an unquoted `#` at the start of a word: a comment, which hides every later entry of the RUN;
 * - a trailing backslash, an unclosed quote, bracket or compound command, a leading or trailing
 *   operator: each joins the entry to the next one (or swallows the next Dockerfile instruction);
 * - a heredoc (`<<`): its body would have to be on the following lines of the Dockerfile;
 * - an `exit` outside a subshell that is not `exit N` with N > 0: it ends the RUN with the
 *   status of the previous command and skips every later entry. The name is found behind quotes,
 *   escapes, assignments and words that expand to nothing (`e"x"it`, `x=1 exit`, `$none exit`);
 *   a name that a variable holds (`$cmd`) is beyond a scanner.
 * An entry with a top-level `;`, `&` or `||` is fine, but is rendered grouped (`{ entry; }`), because
 * `false && a || b` would run `b` and hide the failure before it.
 * The model layer uses it to refuse values; renderers use `asAndClause` to render an entry.
 * test/shell-syntax.test.ts checks it against /bin/sh itself: an accepted command runs as if alone.
 */

/** What the scanner found in one command. */
export interface ShellCommandScan {
  /** Why the command cannot be one clause of a `&&` chain, or undefined when it can. */
  readonly problem?: string;
  /** The command has a top-level `;`, `&` or `||`, so it is rendered grouped: `{ command; }`. */
  readonly needsGrouping: boolean;
}

type Frame =
  | 'subshell' // ( ... ), also <( ... ) and >( ... )
  | 'command-substitution' // $( ... )
  | 'arithmetic' // $(( ... ))
  | 'parameter' // ${ ... }
  | 'double-quote' // " ... "
  | 'backquote' // ` ... `
  | 'group' // { ...; }
  | 'if' // if ... fi
  | 'case' // case ... esac
  | 'loop'; // for/while/until/select ... done

/** Frames whose text is shell code (words, operators, comments); undefined is the top level. */
const CODE_FRAMES: ReadonlySet<Frame | undefined> = new Set([undefined, 'subshell', 'command-substitution', 'group', 'if', 'case', 'loop'] as const);

/** Compound-command words, recognized only at the start of a command. */
const OPENERS: ReadonlyMap<string, Frame> = new Map([['if', 'if'], ['case', 'case'], ['for', 'loop'], ['while', 'loop'], ['until', 'loop'], ['select', 'loop'], ['{', 'group']]);
const CLOSERS: ReadonlyMap<string, Frame> = new Map([['fi', 'if'], ['esac', 'case'], ['done', 'loop'], ['}', 'group']]);
/** Words after which a command starts again. */
const COMMAND_FOLLOWS = new Set(['if', 'then', 'else', 'elif', 'do', 'while', 'until', '{', '!', 'time']);
const OPERATOR_CHARS = new Set([';', '&', '|', '<', '>', '(', ')']);
/** Operators that make a list at the top level, so that the entry needs grouping. */
const LIST_OPERATORS = new Set([';', '&', '||']);
/** Operators that must not start or end an entry. */
const CONTROL_OPERATORS = new Set([';', '&', '&&', '||', '|', '|&', ';;']);

/** What follows a "$" in a plain parameter expansion: $name, $1, $@, $#, ... */
const PARAMETER_NAME = /^(?:[A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!-])/;
/** An assignment word, x=... */
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

const FRAME_NAMES: Readonly<Record<Frame, string>> = {
  'subshell': '"("',
  'command-substitution': '"$("',
  'arithmetic': '"$(("',
  'parameter': '"${"',
  'double-quote': 'double quote (")',
  'backquote': 'backquote (`)',
  'group': '"{" (no "}")',
  'if': '"if" (no "fi")',
  'case': '"case" (no "esac")',
  'loop': 'loop (no "done")',
};

const PROBLEMS = {
  comment: 'has an unquoted "#" at the start of a word: a comment, which would hide every later command of the RUN (quote it: \'#\')',
  backslash: 'ends with a backslash, which would join it to the next line of the Dockerfile',
  singleQuote: "has an unclosed single quote ('), so it would run together with the next command",
  heredoc: 'has a heredoc ("<<"), which a one-line RUN cannot hold (put the script in a file and COPY it)',
  exit: 'has an "exit" that does not fail (outside a subshell only "exit N" with N > 0 is allowed): it would end the RUN early and skip the commands after it',
};

class Scanner {
  /** Open brackets, quotes and compound commands, innermost last. */
  private readonly stack: Frame[] = [];
  /** Parenthesis depth inside each open `$((`. */
  private readonly arithmeticDepth: number[] = [];
  private i = 0;
  private inWord = false;
  private word = '';
  /** The word so far is plain text (no quote, escape or expansion), so it may be a reserved word. */
  private wordIsPlain = true;
  /** The word's literal characters, quotes and escapes removed and expansions left out: "e\"x\"it" is "exit". */
  private literal = '';
  /** The words around open `$(`: the word goes on after the `)`. */
  private readonly outerWords: Array<{ word: string; literal: string; commandPosition: boolean }> = [];
  private commandPosition = true;
  /** An `exit` waits for its status word. */
  private exitPending = false;
  /** The next word is the target of a redirection (`> file`), not a word of the command. */
  private redirectionTarget = false;
  /**
   * Words before it may have been an assignment (x=1) or may expand to nothing ($x, ``), so the
   * next word may still be the name of the command the shell runs (not a reserved word, though).
   */
  private afterPrefixWord = false;
  /** First and last token at the top level: 'word' or an operator (anything inside brackets is 'word'). */
  private firstToken: string | undefined;
  private lastToken: string | undefined;
  public needsGrouping = false;

  constructor(private readonly text: string) {}

  public scan(): string | undefined {
    while (this.i < this.text.length) {
      const frame = this.top;
      const problem = CODE_FRAMES.has(frame) ? this.code() : this.quoted(frame as Frame);
      if (problem) return problem;
    }
    const problem = this.endWord();
    if (problem) return problem;
    if (this.exitPending) return PROBLEMS.exit;
    if (this.top) return `has an unclosed ${FRAME_NAMES[this.top]}, so it would run together with the next command`;
    if (this.firstToken && CONTROL_OPERATORS.has(this.firstToken)) return `starts with the operator "${this.firstToken}"`;
    if (this.lastToken && CONTROL_OPERATORS.has(this.lastToken)) {
      return `ends with the operator "${this.lastToken}", so it would run together with the next command`;
    }
    return undefined;
  }

  private get top(): Frame | undefined {
    return this.stack[this.stack.length - 1];
  }

  /** The innermost frame is a double quote opened by the word being scanned (not one inside `${...}`). */
  private get quotesCurrentWord(): boolean {
    return this.top === 'double-quote' && CODE_FRAMES.has(this.stack[this.stack.length - 2]);
  }

  /** One step in shell code. */
  private code(): string | undefined {
    const t = this.text;
    const c = t[this.i];
    if (c === ' ' || c === '\t') {
      this.i++;
      return this.endWord();
    }
    if (c === '#' && !this.inWord) return PROBLEMS.comment;
    if (c === '\\') {
      if (this.i + 1 >= t.length) return PROBLEMS.backslash;
      this.addToWord(t.slice(this.i, this.i + 2), false, t[this.i + 1]);
      this.i += 2;
      return undefined;
    }
    if (c === "'") {
      const end = t.indexOf("'", this.i + 1);
      if (end < 0) return PROBLEMS.singleQuote;
      this.addToWord(t.slice(this.i, end + 1), false, t.slice(this.i + 1, end));
      this.i = end + 1;
      return undefined;
    }
    if (c === '"' || c === '`') {
      this.addToWord(c, false, '');
      this.stack.push(c === '"' ? 'double-quote' : 'backquote');
      this.i++;
      return undefined;
    }
    if (c === '$') return this.dollar();
    if ((c === '<' || c === '>') && this.inWord && this.wordIsPlain && /^[0-9]+$/.test(this.word)) {
      this.inWord = false; // an IO number (2>...): part of the redirection, not a word of the command
      return this.operator();
    }
    if (OPERATOR_CHARS.has(c)) return this.endWord() ?? this.operator();
    this.addToWord(c, true);
    this.i++;
    return undefined;
  }

  /** `$((`, `$(`, `${`, `$'...'` (bash), or a plain `$`. */
  private dollar(): string | undefined {
    const t = this.text;
    const next = t[this.i + 1];
    if (next === '(' && t[this.i + 2] === '(') {
      this.addToWord('$((', false, '');
      this.stack.push('arithmetic');
      this.arithmeticDepth.push(0);
      this.i += 3;
    } else if (next === '(') {
      this.addToWord('$(', false, '');
      this.stack.push('command-substitution');
      this.i += 2;
      // Inside: new commands, new words; the word around it goes on after the ")".
      this.outerWords.push({ word: this.word, literal: this.literal, commandPosition: this.commandPosition });
      this.inWord = false;
      this.commandPosition = true;
    } else if (next === '{') {
      this.addToWord('${', false, '');
      this.stack.push('parameter');
      this.i += 2;
    } else if (next === "'" && CODE_FRAMES.has(this.top)) {
      let j = this.i + 2;
      while (j < t.length && t[j] !== "'") j += t[j] === '\\' ? 2 : 1;
      if (j >= t.length) return "has an unclosed $'...' quote, so it would run together with the next command";
      this.addToWord(t.slice(this.i, j + 1), false, t.slice(this.i + 2, j));
      this.i = j + 1;
    } else {
      const name = PARAMETER_NAME.exec(t.slice(this.i + 1));
      const text = name ? `$${name[0]}` : '$';
      this.addToWord(text, false, name ? '' : '$');
      this.i += text.length;
    }
    return undefined;
  }

  /** An operator in shell code: parentheses, redirections, control operators. */
  private operator(): string | undefined {
    const t = this.text;
    const c = t[this.i];
    const two = t.slice(this.i, this.i + 2);
    if (c === '(') {
      this.token('(');
      this.stack.push('subshell');
      this.commandPosition = true;
      this.i++;
      return undefined;
    }
    if (c === ')') return this.closeParenthesis();
    if (c === '<' || c === '>') {
      if (t.startsWith('<<<', this.i)) this.i += 3;
      else if (two === '<<') return PROBLEMS.heredoc;
      else if (t[this.i + 1] === '(') {
        this.stack.push('subshell'); // process substitution
        this.commandPosition = true;
        this.i += 2;
      } else this.i += ['>>', '>&', '<&', '>|', '<>'].includes(two) ? 2 : 1;
      this.redirectionTarget = true; // the next word is the target; the command position does not change
      return undefined;
    }
    if (two === '&>') {
      this.i += 2;
      this.redirectionTarget = true;
      return undefined;
    }
    if (this.exitPending) return PROBLEMS.exit;
    const op = ['&&', '||', ';;', '|&'].includes(two) ? two : c;
    this.i += op.length;
    if (this.stack.length === 0 && LIST_OPERATORS.has(op)) this.needsGrouping = true;
    this.token(op);
    this.commandPosition = true;
    return undefined;
  }

  private closeParenthesis(): string | undefined {
    this.i++;
    const frame = this.top;
    if (frame === 'command-substitution') {
      this.stack.pop();
      // $(...) was part of a word, which goes on.
      const outer = this.outerWords.pop() ?? { word: '', literal: '', commandPosition: false };
      this.inWord = true;
      this.wordIsPlain = false;
      this.word = outer.word;
      this.literal = outer.literal;
      this.commandPosition = outer.commandPosition;
      return undefined;
    }
    if (frame === 'subshell') {
      this.stack.pop();
      this.token(')');
      this.commandPosition = true; // allows `f() { ...; }`
      return undefined;
    }
    if (frame === 'case') {
      this.commandPosition = true; // the end of a case pattern
      return undefined;
    }
    return 'has an unmatched ")"';
  }

  /** Inside quotes, `${`, `$((` or backquotes: only escapes, nested expansions and the way out matter. */
  private quoted(frame: Frame): string | undefined {
    const t = this.text;
    const c = t[this.i];
    if (c === '\\') {
      if (this.i + 1 >= t.length) return PROBLEMS.backslash;
      if (frame === 'double-quote' && this.quotesCurrentWord) this.literal += t[this.i + 1];
      this.i += 2;
      return undefined;
    }
    if (frame === 'backquote') {
      if (c === '`') this.stack.pop();
      this.i++;
      return undefined;
    }
    if (c === '$' && (t[this.i + 1] === '(' || t[this.i + 1] === '{')) return this.dollar();
    const name = c === '$' ? PARAMETER_NAME.exec(t.slice(this.i + 1)) : null;
    if (name) {
      this.i += 1 + name[0].length; // $name: an expansion, no literal character
      return undefined;
    }
    if (c === '`') {
      this.stack.push('backquote');
      this.i++;
      return undefined;
    }
    if (frame === 'double-quote') {
      if (c === '"') this.stack.pop();
      else if (this.quotesCurrentWord) this.literal += c;
      this.i++;
      return undefined;
    }
    if (frame === 'parameter') {
      if (c === '}') this.stack.pop();
      else if (c === '"') this.stack.push('double-quote');
      else if (c === "'" && !this.stack.includes('double-quote')) {
        const end = t.indexOf("'", this.i + 1);
        if (end < 0) return PROBLEMS.singleQuote;
        this.i = end;
      }
      this.i++;
      return undefined;
    }
    // arithmetic: "))" at parenthesis depth 0 closes it.
    const level = this.arithmeticDepth.length - 1;
    if (c === '(') this.arithmeticDepth[level]++;
    if (c === ')') {
      if (this.arithmeticDepth[level] > 0) this.arithmeticDepth[level]--;
      else if (t[this.i + 1] === ')') {
        this.stack.pop();
        this.arithmeticDepth.pop();
        this.i++;
      } else return 'has an unmatched ")" in "$((...))"';
    }
    this.i++;
    return undefined;
  }

  /** Adds raw text to the word; `literal` is what it contributes to the word's literal characters. */
  private addToWord(text: string, plain: boolean, literal: string = text): void {
    if (!this.inWord) {
      this.inWord = true;
      this.word = '';
      this.literal = '';
      this.wordIsPlain = true;
    }
    this.word += text;
    this.literal += literal;
    if (!plain) this.wordIsPlain = false;
  }

  /** The end of a word: at the start of a command, reserved words open and close compound commands. */
  private endWord(): string | undefined {
    if (!this.inWord) return undefined;
    this.inWord = false;
    const word = this.wordIsPlain ? this.word : undefined;
    const mayBeCommandName = this.commandPosition || this.afterPrefixWord;
    this.afterPrefixWord = false;
    this.token('word');
    if (this.redirectionTarget) {
      this.redirectionTarget = false;
      this.afterPrefixWord = mayBeCommandName && !this.commandPosition;
      return undefined;
    }
    if (this.exitPending) {
      this.exitPending = false;
      this.commandPosition = false;
      return word !== undefined && /^[0-9]+$/.test(word) && Number(word) > 0 ? undefined : PROBLEMS.exit;
    }
    if (mayBeCommandName && this.literal === 'exit' && !this.stack.some((f) => f === 'subshell' || f === 'command-substitution')) {
      // also "e\"x\"it", "\exit", "$(true)exit" or "x=1 exit": the name the shell runs is "exit"
      this.exitPending = true;
      this.commandPosition = false;
      return undefined;
    }
    if (mayBeCommandName && (ASSIGNMENT.test(this.word) || (!this.wordIsPlain && this.literal === '' && !/["']/.test(this.word)))) {
      this.afterPrefixWord = true;
    }
    if (word === undefined || !this.commandPosition) {
      this.commandPosition = false;
      return undefined;
    }
    const opens = OPENERS.get(word);
    if (opens) this.stack.push(opens);
    const closes = CLOSERS.get(word);
    if (closes) {
      if (this.top !== closes) return `has an unmatched "${word}"`;
      this.stack.pop();
    }
    this.commandPosition = COMMAND_FOLLOWS.has(word);
    return undefined;
  }

  private token(kind: string): void {
    const token = this.stack.length > 0 ? 'word' : kind;
    this.firstToken ??= token;
    this.lastToken = token;
  }
}

/** Scans one command of a run step. */
export function scanShellCommand(command: string): ShellCommandScan {
  const scanner = new Scanner(command);
  const problem = scanner.scan();
  return { problem, needsGrouping: scanner.needsGrouping };
}

/**
 * The command as one clause of a `&&` chain: grouped as `{ command; }` when it has a top-level
 * `;`, `&` or `||`, as it is otherwise. Meant for commands that `scanShellCommand` accepts.
 */
export function asAndClause(command: string): string {
  return scanShellCommand(command).needsGrouping ? `{ ${command}; }` : command;
}
