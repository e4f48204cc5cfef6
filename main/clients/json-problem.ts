// Where JSON text goes wrong, as line and column: JSON.parse in Node 20 names no position for many
// errors ("Unexpected token 'x', … is not valid JSON"), and a user typing a payload needs the spot.
// Iterative (an explicit stack of open containers), so deep nesting cannot overflow the call stack.

export interface JsonProblem {
  line: number;
  column: number;
  message: string;
}

class Stop {
  constructor(readonly at: number, readonly message: string) {}
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WHITESPACE = /[ \t\n\r]*/y;

/** The first syntax error in `text`, or null when it is valid JSON. */
export function jsonProblem(text: string): JsonProblem | null {
  try {
    scan(text);
    return null;
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
    const before = text.slice(0, error.at);
    const line = before.split('\n').length;
    const column = error.at - (before.lastIndexOf('\n') + 1) + 1;
    return { line, column, message: error.message };
  }
}

function scan(text: string): void {
  let i = 0;
  const open: Array<'{' | '['> = [];
  const show = () => (i >= text.length ? 'the end of the text' : `"${text[i]}"`);
  const skipSpace = () => {
    WHITESPACE.lastIndex = i;
    WHITESPACE.test(text);
    i = WHITESPACE.lastIndex;
  };
  const expect = (char: string, what: string) => {
    skipSpace();
    if (text[i] !== char) throw new Stop(i, `expected ${what}, found ${show()}`);
    i++;
  };
  const string = () => {
    i++; // the opening quote
    for (;;) {
      if (i >= text.length) throw new Stop(i, 'a string is not closed (missing ")');
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) throw new Stop(i, 'a line break or control character inside a string (write it as \\n, \\t …)');
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) throw new Stop(i, '\\u needs four hex digits');
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) {
          i += 2;
        } else {
          throw new Stop(i, `unknown escape \\${e ?? ''}`);
        }
      } else {
        i++;
      }
    }
  };
  const key = () => {
    skipSpace();
    if (text[i] !== '"') throw new Stop(i, `expected a property name in double quotes, found ${show()}`);
    string();
    expect(':', '":" after the property name');
  };
  /** Reads one scalar or opens a container; true when a complete value was read. */
  const valueStart = (): boolean => {
    skipSpace();
    const c = text[i];
    if (c === '{' || c === '[') {
      i++;
      skipSpace();
      if (text[i] === (c === '{' ? '}' : ']')) {
        i++;
        return true;
      }
      open.push(c);
      if (c === '{') key();
      return false;
    }
    if (c === '"') {
      string();
      return true;
    }
    const word = ['true', 'false', 'null'].find((w) => text.startsWith(w, i));
    if (word) {
      i += word.length;
      return true;
    }
    NUMBER.lastIndex = i;
    if (c !== undefined && /[-0-9]/.test(c) && NUMBER.test(text)) {
      i = NUMBER.lastIndex;
      return true;
    }
    throw new Stop(i, `expected a value, found ${show()}`);
  };

  for (;;) {
    if (!valueStart()) continue;
    // After a complete value: close containers, or a comma starts the next member.
    for (;;) {
      skipSpace();
      const top = open.at(-1);
      if (top === undefined) {
        if (i < text.length) throw new Stop(i, `unexpected ${show()} after the end of the JSON value`);
        return;
      }
      const close = top === '{' ? '}' : ']';
      if (text[i] === close) {
        i++;
        open.pop();
        continue;
      }
      if (text[i] !== ',') throw new Stop(i, `expected "," or "${close}", found ${show()}`);
      i++;
      if (top === '{') key();
      break;
    }
  }
}
