import type { Location, Point, Span } from './types';

/** Maps UTF-16 offsets to 0-based line/column; built once per analysed text. */
export class LineIndex {
  private readonly lineStarts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
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
