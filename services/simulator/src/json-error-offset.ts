/**
 * The offset of the first JSON syntax error in `text` (RFC 8259), or undefined when it has none:
 * where a station registry's syntax error is, since Node 20's JSON.parse names no position for
 * most errors ("Unexpected token 'z', … is not valid JSON").
 *
 * @example
 * jsonErrorOffset('{"a": oops}'); // 6
 * jsonErrorOffset('{"a": 1}'); // undefined
 */
export function jsonErrorOffset(text: string): number | undefined {
  let i = 0;
  const fail = (): never => {
    throw new JsonSyntaxAt(i);
  };
  const expect = (ch: string): void => {
    if (text[i] !== ch) fail();
    i++;
  };
  function space(): void {
    while (i < text.length && " \t\n\r".includes(text[i] as string)) i++;
  }
  function literal(word: string): void {
    for (const ch of word) expect(ch);
  }
  function string(): void {
    expect('"');
    for (;;) {
      const ch = text[i];
      if (ch === undefined || ch < " ") fail();
      i++;
      if (ch === '"') return;
      if (ch !== "\\") continue;
      if (text[i] === "u") {
        i++;
        for (let k = 0; k < 4; k++) {
          if (!/[0-9a-fA-F]/.test(text[i] ?? "")) fail();
          i++;
        }
      } else {
        if (!'"\\/bfnrt'.includes(text[i] ?? "x")) fail();
        i++;
      }
    }
  }
  function number(): void {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!match) fail();
    i += (match as RegExpExecArray)[0].length;
  }
  function members(close: string, member: () => void): void {
    i++; // the opening bracket
    space();
    if (text[i] === close) {
      i++;
      return;
    }
    for (;;) {
      member();
      space();
      if (text[i] === close) {
        i++;
        return;
      }
      expect(",");
    }
  }
  function value(): void {
    space();
    const ch = text[i];
    if (ch === "{") {
      members("}", () => {
        space();
        if (text[i] !== '"') fail();
        string();
        space();
        expect(":");
        value();
      });
    } else if (ch === "[") members("]", value);
    else if (ch === '"') string();
    else if (ch === "t") literal("true");
    else if (ch === "f") literal("false");
    else if (ch === "n") literal("null");
    else if (ch === "-" || (ch !== undefined && ch >= "0" && ch <= "9")) number();
    else fail();
  }
  try {
    value();
    space();
    return i < text.length ? i : undefined;
  } catch (error) {
    if (error instanceof JsonSyntaxAt) return error.offset;
    throw error;
  }
}

/** Where the scan stopped (thrown to unwind the recursion). */
class JsonSyntaxAt {
  constructor(readonly offset: number) {}
}
