// C and C++: one tree-sitter grammar (tree-sitter-cpp) parses both.
import type { LanguageModule } from './language';

export const cpp: LanguageModule = {
  id: 'cpp',
  name: 'C/C++',
  aliases: ['cpp', 'c++', 'c'],
  extensions: ['.c', '.cc', '.cpp', '.cxx', '.c++', '.h', '.hh', '.hpp', '.hxx', '.h++', '.ipp', '.inl'],
  noExceptions: ['.c'],
  grammar: { wasm: 'tree-sitter-cpp.wasm', package: 'tree-sitter-cpp' },
  comments: { line: '//', block: ['/*', '*/'] },
  kinds: {
    functions: new Set(['function_definition']),
    lambdas: new Set(['lambda_expression']),
    classes: new Set(['class_specifier', 'struct_specifier']),
    templates: new Set(['template_declaration']),
    blocks: new Set(['compound_statement']),
    loops: new Set(['for_statement', 'for_range_loop', 'while_statement', 'do_statement']),
    calls: new Set(['call_expression']),
    returns: new Set(['return_statement', 'co_return_statement']),
    strings: new Set(['string_literal', 'raw_string_literal', 'char_literal', 'concatenated_string']),
    comments: new Set(['comment']),
  },
};
