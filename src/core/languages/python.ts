// Python (tree-sitter-python).
import type { Node } from 'web-tree-sitter';
import type { LanguageModule } from './language';

/** `f` of `def f`, `C` of `class C`, through decorators. */
function definitionNames(def: Node): string[] {
  const inner = def.type === 'decorated_definition' ? def.childForFieldName('definition') : def;
  const name = inner?.childForFieldName('name')?.text;
  return name ? [name] : [];
}

export const python: LanguageModule = {
  id: 'python',
  name: 'Python',
  aliases: ['python', 'py'],
  extensions: ['.py', '.pyi'],
  shebang: /^#![^\n]*\bpython[\d.]*\b/,
  grammar: { wasm: 'tree-sitter-python.wasm', package: 'tree-sitter-python' },
  comments: { line: '#' },
  kinds: {
    functions: new Set(['function_definition']),
    lambdas: new Set(['lambda']),
    classes: new Set(['class_definition']),
    templates: new Set(),
    blocks: new Set(['block']),
    loops: new Set(['for_statement', 'while_statement']),
    calls: new Set(['call']),
    returns: new Set(['return_statement']),
    strings: new Set(['string', 'concatenated_string']),
    comments: new Set(['comment']),
  },
  layout: {
    definitions: new Set(['function_definition', 'class_definition', 'decorated_definition']),
    // `if __name__ == "__main__":` and other module-level statements are the module's own code.
    containers: new Set(),
    names: definitionNames,
  },
};

/**
 * The header lines of the blocks around the line starting at `lineStart`, innermost first, read
 * from indentation alone (blank and comment lines skipped): a test that runs before parsing. A
 * continuation line or a string's text can stand where a header should, so callers treat a line
 * that is no known header as "cannot tell".
 */
export function* enclosingHeaders(text: string, lineStart: number): Generator<string> {
  let indent = leadingBlanks(text, lineStart);
  let end = lineStart - 1;
  while (indent > 0 && end > 0) {
    const start = text.lastIndexOf('\n', end - 1) + 1;
    const own = leadingBlanks(text, start);
    if (own < indent && start + own < end && text[start + own] !== '#') {
      yield text.slice(start, end);
      indent = own;
    }
    end = start - 1;
  }
}

function leadingBlanks(text: string, at: number): number {
  let i = at;
  while (text[i] === ' ' || text[i] === '\t') i++;
  return i - at;
}

/** The compound statement a header line opens (`for`, `class`, `async with`, ...), if it opens one. */
export function headerKeyword(line: string): string | undefined {
  return /^[ \t]*(?:async[ \t]+)?(def|class|for|while|with|if|elif|else|try|except|finally|match|case)\b/.exec(
    line,
  )?.[1];
}
