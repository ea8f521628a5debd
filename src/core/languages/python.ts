// Python (tree-sitter-python).
import type { LanguageModule } from './language';

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
};
