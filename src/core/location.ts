import type { Location, Point, Span } from './types';

/** Maps UTF-16 offsets to 0-based line/column; built once per analysed text. */
export class LineIndex {
  private readonly lineStarts: number[] = [0];

  constructor(
    readonly text: string,
    lineStarts?: number[],
  ) {
    if (lineStarts) this.lineStarts = lineStarts;
    else for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  /**
   * The index of `text`, which is this index's text with [start, oldEnd) replaced by [start, newEnd)
   * of `text`: only the replaced stretch is scanned (the editor's keystrokes on a large file).
   */
  edited(text: string, start: number, oldEnd: number, newEnd: number): LineIndex {
    const starts = this.lineStarts;
    // Line starts in (start, oldEnd] came from line breaks in the replaced text.
    const lo = this.firstAfter(start);
    const hi = this.firstAfter(oldEnd);
    const next = starts.slice(0, lo);
    for (let i = start; i < newEnd; i++) if (text.charCodeAt(i) === 10) next.push(i + 1);
    const delta = newEnd - oldEnd;
    for (let i = hi; i < starts.length; i++) next.push(starts[i] + delta);
    return new LineIndex(text, next);
  }

  /** The index of the first line start after `offset`. */
  private firstAfter(offset: number): number {
    let lo = 0;
    let hi = this.lineStarts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  point(offset: number): Point {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, column: offset - this.lineStarts[lo] };
  }

  offset(point: Point): number {
    const start = this.lineStarts[Math.min(point.line, this.lineStarts.length - 1)];
    return Math.min(start + point.column, this.text.length);
  }

  location(span: Span): Location {
    return { start: span.start, end: span.end, startPoint: this.point(span.start), endPoint: this.point(span.end) };
  }

  lineStart(line: number): number {
    return this.lineStarts[line] ?? this.text.length;
  }

  lineCount(): number {
    return this.lineStarts.length;
  }

  /** Text of a whole line without its line break. */
  lineText(line: number): string {
    const start = this.lineStart(line);
    let end = this.lineStarts[line + 1] ?? this.text.length;
    while (end > start && (this.text[end - 1] === '\n' || this.text[end - 1] === '\r')) end--;
    return this.text.slice(start, end);
  }

  /** The file's line break: what fixes insert so CRLF files stay CRLF. */
  eol(): string {
    const i = this.text.indexOf('\n');
    return i > 0 && this.text[i - 1] === '\r' ? '\r\n' : '\n';
  }
}
