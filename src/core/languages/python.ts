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
