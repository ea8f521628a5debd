// The language registry, keyed by LanguageId: every table that depends on the language (extensions,
// grammars, comment syntax, node kinds) is read from here, never kept beside the code that uses it.
import type { LanguageId } from '../types';
import { cpp } from './cpp';
import type { LanguageModule } from './language';
import { python } from './python';

export type { CommentSyntax, DefinitionLayout, LanguageModule, NodeKinds } from './language';
export { cpp, python };

export const LANGUAGES: Readonly<Record<LanguageId, LanguageModule>> = { cpp, python };
export const LANGUAGE_IDS = Object.keys(LANGUAGES) as LanguageId[];

export function languageModule(id: LanguageId): LanguageModule {
  return LANGUAGES[id];
}

/** The language of a file extension (with its dot, any case). */
export function languageForExtension(extension: string): LanguageModule | undefined {
  const ext = extension.toLowerCase();
  return Object.values(LANGUAGES).find((l) => l.extensions.includes(ext));
}

/** The language a custom rule's `;; language:` header names (`c`, `c++`, `py`, ...). */
export function languageForAlias(name: string): LanguageModule | undefined {
  const alias = name.toLowerCase();
  return Object.values(LANGUAGES).find((l) => l.aliases.includes(alias));
}

/**
 * What starts a comment in any language, as written: line comments (`//`, `#`) and, unless `block`
 * is false, block comment openers (`/*`).
 */
export function commentOpeners(block = true): string[] {
  const openers = Object.values(LANGUAGES).flatMap((l) =>
    block && l.comments.block ? [l.comments.line, l.comments.block[0]] : [l.comments.line],
  );
  return [...new Set(openers)];
}

/** `commentOpeners(block)` as a regex alternation: `\/\/|\/\*|#`. */
export function commentOpenerPattern(block = true): string {
  return commentOpeners(block)
    .map((s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
    .join('|');
}
