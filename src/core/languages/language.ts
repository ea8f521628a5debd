// What LeakLens knows about one language, in one place: how its files are named, which grammar
// parses them, how its comments are written (suppression comments, the suppress fix) and the node
// kinds the rules share. One module per language (cpp.ts, python.ts), registered in index.ts.
import type { Node } from 'web-tree-sitter';
import type { LanguageId } from '../types';

/** Node kinds of a grammar that several rules and helpers look for. */
export interface NodeKinds {
  /** Named function (and method) definitions. */
  readonly functions: ReadonlySet<string>;
  /** Anonymous functions: `[](){}`, `lambda:`. */
  readonly lambdas: ReadonlySet<string>;
  /** Class (and struct) definitions. */
  readonly classes: ReadonlySet<string>;
  /** Nodes that wrap a definition and start a scope of their own (C++ `template <...>`). */
  readonly templates: ReadonlySet<string>;
  /** Statement blocks: `{ ... }`, an indented suite. */
  readonly blocks: ReadonlySet<string>;
  readonly loops: ReadonlySet<string>;
  readonly calls: ReadonlySet<string>;
  readonly returns: ReadonlySet<string>;
  /** String (and character) literals. */
  readonly strings: ReadonlySet<string>;
  readonly comments: ReadonlySet<string>;
}

export interface CommentSyntax {
  /** Starts a comment that runs to the end of the line: `//`, `#`. */
  readonly line: string;
  /** Opens and closes a block comment, when the language has one. */
  readonly block?: readonly [string, string];
}

/**
 * How a file divides into top-level definitions, for the editor's incremental analysis
 * (incremental.ts): an edit inside one definition re-analyses that one and those linked to it by name.
 */
export interface DefinitionLayout {
  /** Top-level node kinds that define something findings live in: functions, classes, templates. */
  readonly definitions: ReadonlySet<string>;
  /** Nodes whose children are top-level too: namespaces, `extern "C" { }`, `#ifdef` blocks. */
  readonly containers: ReadonlySet<string>;
  /** The names a definition node defines (`f`, `Cls`, both of `Cls::f`): how other code refers to it. */
  names(definition: Node): string[];
}

export interface LanguageModule {
  readonly id: LanguageId;
  /** How people call it, in messages and docs. */
  readonly name: string;
  /** Names a custom rule's `;; language:` header accepts for it, lowercase. */
  readonly aliases: readonly string[];
  /** File extensions, lowercase with their dot. */
  readonly extensions: readonly string[];
  /** The `#!` line of a script in this language without an extension (`#!/usr/bin/env python3`). */
  readonly shebang?: RegExp;
  /** Extensions of files that cannot throw (plain C): only explicit exits leave a function early. */
  readonly noExceptions?: readonly string[];
  /** The tree-sitter grammar: its .wasm file and the npm package that ships it. */
  readonly grammar: { readonly wasm: string; readonly package: string };
  readonly comments: CommentSyntax;
  readonly kinds: NodeKinds;
  readonly layout: DefinitionLayout;
  /**
   * The text the grammar is given, where the grammar misreads the source as written: the same length,
   * line for line, so every offset and position stays the source's.
   */
  readonly parseText?: (text: string, plainC: boolean) => string;
}
