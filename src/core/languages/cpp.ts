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

/** A `#define` with its continuation lines. */
const MULTILINE_DEFINE = /^[ \t]*#[ \t]*define\b[^\n]*\\\r?\n(?:[^\n]*\\\r?\n)*[^\n]*/gm;

/**
 * tree-sitter-cpp ends a macro's body at a block comment on one of its continued lines, and parses the
 * rest of the body as code of the function around it (a `goto` out of nowhere, a stray `}`): block
 * comments inside a multi-line `#define` become spaces.
 */
function blankCommentsInMacros(text: string): string {
  if (!text.includes('define')) return text;
  return text.replace(MULTILINE_DEFINE, (define) =>
    define.replace(/\/\*[\s\S]*?\*\//g, (comment) => comment.replace(/[^\r\n]/g, ' ')),
  );
}

/**
 * C++ keywords that C code uses as names (`struct item *new`, `int class`, `bool delete`): the C++
 * grammar cannot read them there, and the function around them becomes an error. In a C file they are
 * given to the grammar in capitals, the same length, so they parse as the identifiers they are.
 */
const CPP_ONLY_KEYWORDS =
  /\b(new|delete|class|this|template|typename|namespace|operator|private|public|protected|virtual|friend|explicit|mutable|using)\b/g;

function textForGrammar(text: string, plainC: boolean): string {
  const blanked = blankCommentsInMacros(text);
  return plainC ? blanked.replace(CPP_ONLY_KEYWORDS, (word) => word.toUpperCase()) : blanked;
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
  parseText: textForGrammar,
};
