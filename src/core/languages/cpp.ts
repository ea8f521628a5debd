// C and C++: one tree-sitter grammar (tree-sitter-cpp) parses both.
import type { Node } from 'web-tree-sitter';
import type { LanguageModule } from './language';

const WORD = /[A-Za-z_]\w*/g;

/** `f`, `Cls` and `f` of `Cls::f`, `Stack` of `template <class T> class Stack`. */
function definitionNames(def: Node): string[] {
  if (def.type === 'template_declaration') {
    const inner = def.namedChildren.find((c) => c && c.type !== 'template_parameter_list');
    return inner ? definitionNames(inner) : [];
  }
  if (def.type === 'function_definition') {
    let d = def.childForFieldName('declarator');
    while (d && d.type !== 'function_declarator') d = d.childForFieldName('declarator');
    return d?.childForFieldName('declarator')?.text.match(WORD) ?? [];
  }
  return def.childForFieldName('name')?.text.match(WORD) ?? [];
}

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
  layout: {
    definitions: new Set([
      'function_definition',
      'template_declaration',
      'class_specifier',
      'struct_specifier',
      'union_specifier',
    ]),
    containers: new Set([
      'namespace_definition',
      'linkage_specification',
      'declaration_list',
      'preproc_if',
      'preproc_ifdef',
      'preproc_else',
      'preproc_elif',
      'preproc_elifdef',
    ]),
    names: definitionNames,
  },
};
