// An open document: keeps its tree between analyses so an edit re-parses incrementally
// (`tree.edit` + parse with the old tree). Used by the extension's analysis worker.
import type { Tree } from 'web-tree-sitter';
import type { LeakLensConfig } from './config';
import type { Engine } from './engine';
import { LineIndex } from './location';
import type { FileResult, LanguageId, Point } from './types';

/** One change as VS Code reports it: offsets into the text before the change. */
export interface ContentChange {
  rangeOffset: number;
  rangeLength: number;
  text: string;
}

export class DocumentSession {
  private tree: Tree | undefined;
  private text = '';

  constructor(
    private readonly engine: Engine,
    readonly language: LanguageId,
    readonly file: string,
  ) {}

  /**
   * Analyses the new `text`. With `changes` (applied in order to the previous text) the old tree is
   * edited and reused; if they do not reproduce `text`, it falls back to a full parse.
   */
  update(text: string, config: LeakLensConfig, changes?: ContentChange[]): FileResult & { incremental: boolean } {
    let incremental = false;
    if (this.tree && changes?.length) {
      let current = this.text;
      for (const c of changes) {
        const before = new LineIndex(current);
        const start = c.rangeOffset;
        const oldEnd = c.rangeOffset + c.rangeLength;
        const startPoint = before.point(start);
        const oldEndPoint = before.point(oldEnd);
        this.tree.edit({
          startIndex: start,
          oldEndIndex: oldEnd,
          newEndIndex: start + c.text.length,
          startPosition: toTs(startPoint),
          oldEndPosition: toTs(oldEndPoint),
          newEndPosition: toTs(advance(startPoint, c.text)),
        });
        current = current.slice(0, start) + c.text + current.slice(oldEnd);
      }
      incremental = current === text;
    }
    const { result, tree } = this.engine.analyzeText(text, this.language, {
      file: this.file,
      config,
      oldTree: incremental ? this.tree : undefined,
      keepTree: true,
    });
    this.tree?.delete();
    this.tree = tree;
    this.text = text;
    return { ...result, incremental };
  }

  dispose(): void {
    this.tree?.delete();
    this.tree = undefined;
  }
}

function toTs(p: Point): { row: number; column: number } {
  return { row: p.line, column: p.column };
}

/** Where `text` ends when inserted at `start`. */
function advance(start: Point, text: string): Point {
  const lines = text.split('\n');
  if (lines.length === 1) return { line: start.line, column: start.column + text.length };
  return { line: start.line + lines.length - 1, column: lines[lines.length - 1].length };
}
