// The memory overlay on source lines, shared by "Profile memory", "Open memory report" and the debug
// hook: end-of-line text ("+12.4 MB · 1.1 MB/s"), a gutter heat mark (4 levels, relative to the
// line that grew most), a hover with the line's growth over time, and a CodeLens on the enclosing
// function. Several layers (profile, debug per-hit growth, debug tracemalloc) can be shown at once.
import { resolve } from 'node:path';
import * as vscode from 'vscode';
import { fmtSigned } from './format';

export interface OverlayLine {
  /** Absolute file-system path. */
  file: string;
  /** 1-based line. */
  line: number;
  /** Text shown after the end of the line. */
  label: string;
  /** Bytes the line is responsible for: ranks the heat mark and sums in the CodeLens. */
  weight: number;
  /** Markdown shown on hover. */
  hover: string;
}

export interface RenderedLine {
  line: number;
  label: string;
  heat: number;
  layer: string;
}

const HEAT_LEVELS = 4;

const key = (file: string) => resolve(file);

export class MemoryOverlay implements vscode.Disposable {
  private readonly layers = new Map<string, Map<string, OverlayLine[]>>();
  private readonly afterType: vscode.TextEditorDecorationType;
  private readonly heatTypes: vscode.TextEditorDecorationType[];
  private readonly lensEmitter = new vscode.EventEmitter<void>();
  private readonly subs: vscode.Disposable[] = [];
  /** What was last handed to setDecorations, per file (tests and the state command read it). */
  readonly rendered = new Map<string, RenderedLine[]>();
  private renderTimer: NodeJS.Timeout | undefined;

  constructor(mediaRoot: vscode.Uri) {
    this.afterType = vscode.window.createTextEditorDecorationType({
      after: { color: new vscode.ThemeColor('editorCodeLens.foreground'), margin: '0 0 0 2.5em', fontStyle: 'italic' },
      isWholeLine: true,
      rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
    });
    this.heatTypes = Array.from({ length: HEAT_LEVELS }, (_, i) =>
      vscode.window.createTextEditorDecorationType({
        gutterIconPath: vscode.Uri.joinPath(mediaRoot, `heat-${i + 1}.svg`),
        gutterIconSize: 'contain',
        overviewRulerColor: `rgba(229, 72, 77, ${0.3 + 0.7 * ((i + 1) / HEAT_LEVELS)})`,
        overviewRulerLane: vscode.OverviewRulerLane.Right,
      }),
    );
    const selector: vscode.DocumentSelector = { scheme: 'file' };
    this.subs.push(
      vscode.window.onDidChangeVisibleTextEditors(() => this.renderAll()),
      vscode.languages.registerHoverProvider(selector, { provideHover: (doc, pos) => this.hover(doc, pos) }),
      vscode.languages.registerCodeLensProvider(selector, {
        onDidChangeCodeLenses: this.lensEmitter.event,
        provideCodeLenses: (doc) => this.lenses(doc),
      }),
    );
  }

  /** Replaces one layer's lines (e.g. 'profile', 'debug-hits', 'tracemalloc'). */
  set(layer: string, lines: readonly OverlayLine[]): void {
    const byFile = new Map<string, OverlayLine[]>();
    for (const l of lines) {
      const k = key(l.file);
      const list = byFile.get(k) ?? [];
      list.push(l);
      byFile.set(k, list);
    }
    this.layers.set(layer, byFile);
    this.scheduleRender();
  }

  clear(layer?: string): void {
    if (layer) this.layers.delete(layer);
    else this.layers.clear();
    this.renderAll();
  }

  get isEmpty(): boolean {
    for (const m of this.layers.values()) if (m.size) return false;
    return true;
  }

  /** Lines of one file, all layers. */
  linesOf(file: string): { layer: string; line: OverlayLine }[] {
    const out: { layer: string; line: OverlayLine }[] = [];
    for (const [layer, m] of this.layers) for (const l of m.get(key(file)) ?? []) out.push({ layer, line: l });
    return out;
  }

  files(): string[] {
    const s = new Set<string>();
    for (const m of this.layers.values()) for (const f of m.keys()) s.add(f);
    return [...s];
  }

  private maxWeight(): number {
    let max = 0;
    for (const m of this.layers.values())
      for (const list of m.values()) for (const l of list) max = Math.max(max, l.weight);
    return max;
  }

  private scheduleRender(): void {
    // Live updates arrive every sample; one render per 100 ms is plenty.
    if (this.renderTimer) return;
    this.renderTimer = setTimeout(() => {
      this.renderTimer = undefined;
      this.renderAll();
    }, 100);
  }

  renderAll(): void {
    if (this.renderTimer) {
      clearTimeout(this.renderTimer);
      this.renderTimer = undefined;
    }
    this.rendered.clear();
    const max = this.maxWeight();
    for (const editor of vscode.window.visibleTextEditors) this.render(editor, max);
    this.lensEmitter.fire();
  }

  private render(editor: vscode.TextEditor, max: number): void {
    if (editor.document.uri.scheme !== 'file') return;
    const file = key(editor.document.uri.fsPath);
    const after: vscode.DecorationOptions[] = [];
    const heat: vscode.DecorationOptions[][] = this.heatTypes.map(() => []);
    const rendered: RenderedLine[] = [];
    const perLine = new Map<number, { layer: string; line: OverlayLine }[]>();
    for (const e of this.linesOf(file)) {
      if (e.line.line < 1 || e.line.line > editor.document.lineCount) continue;
      const list = perLine.get(e.line.line) ?? [];
      list.push(e);
      perLine.set(e.line.line, list);
    }
    for (const [line, entries] of perLine) {
      const range = editor.document.lineAt(line - 1).range;
      const label = entries.map((e) => e.line.label).join('  |  ');
      const weight = Math.max(...entries.map((e) => e.line.weight));
      const level = max > 0 && weight > 0 ? Math.max(1, Math.ceil((weight / max) * HEAT_LEVELS)) : 1;
      after.push({ range, renderOptions: { after: { contentText: `  ${label}` } } });
      heat[level - 1].push({ range });
      rendered.push({ line, label, heat: level, layer: entries.map((e) => e.layer).join(',') });
    }
    editor.setDecorations(this.afterType, after);
    this.heatTypes.forEach((t, i) => editor.setDecorations(t, heat[i]));
    if (rendered.length)
      this.rendered.set(
        file,
        rendered.sort((a, b) => a.line - b.line),
      );
  }

  private hover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const entries = this.linesOf(doc.uri.fsPath).filter((e) => e.line.line === pos.line + 1);
    if (!entries.length) return undefined;
    const md = new vscode.MarkdownString(entries.map((e) => e.line.hover).join('\n\n---\n\n'));
    md.isTrusted = { enabledCommands: ['leaklens.showMemoryTimeline'] };
    return new vscode.Hover(md, doc.lineAt(pos.line).range);
  }

  private async lenses(doc: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    const entries = this.linesOf(doc.uri.fsPath).filter((e) => e.line.line >= 1 && e.line.line <= doc.lineCount);
    if (!entries.length) return [];
    const symbols = await documentFunctions(doc);
    const groups = new Map<number, { name: string; bytes: number; lines: Set<number> }>();
    for (const e of entries) {
      const fn = enclosingFunction(doc, e.line.line - 1, symbols);
      const g = groups.get(fn.line) ?? { name: fn.name, bytes: 0, lines: new Set<number>() };
      if (!g.lines.has(e.line.line)) g.bytes += e.line.weight;
      g.lines.add(e.line.line);
      groups.set(fn.line, g);
    }
    return [...groups].map(
      ([line, g]) =>
        new vscode.CodeLens(doc.lineAt(line).range, {
          title: `LeakLens: ${fmtSigned(g.bytes)} in ${g.name} (${g.lines.size} line${g.lines.size === 1 ? '' : 's'} grew)`,
          tooltip: 'Memory growth measured on the lines of this function; click for the memory timeline',
          command: 'leaklens.showMemoryTimeline',
        }),
    );
  }

  dispose(): void {
    if (this.renderTimer) clearTimeout(this.renderTimer);
    for (const e of vscode.window.visibleTextEditors) {
      e.setDecorations(this.afterType, []);
      for (const t of this.heatTypes) e.setDecorations(t, []);
    }
    this.afterType.dispose();
    for (const t of this.heatTypes) t.dispose();
    this.lensEmitter.dispose();
    for (const s of this.subs) s.dispose();
  }
}

interface FnRange {
  name: string;
  start: number;
  end: number;
}

/** Functions/methods from a language server when one answers within 300 ms (none in a bare host). */
async function documentFunctions(doc: vscode.TextDocument): Promise<FnRange[] | undefined> {
  try {
    const symbols = await Promise.race([
      vscode.commands.executeCommand<vscode.DocumentSymbol[] | undefined>(
        'vscode.executeDocumentSymbolProvider',
        doc.uri,
      ),
      new Promise<undefined>((r) => setTimeout(() => r(undefined), 300)),
    ]);
    if (!symbols?.length || !('children' in symbols[0])) return undefined;
    const out: FnRange[] = [];
    const walk = (list: vscode.DocumentSymbol[]) => {
      for (const s of list) {
        if (
          s.kind === vscode.SymbolKind.Function ||
          s.kind === vscode.SymbolKind.Method ||
          s.kind === vscode.SymbolKind.Constructor
        ) {
          out.push({ name: s.name, start: s.range.start.line, end: s.range.end.line });
        }
        walk(s.children ?? []);
      }
    };
    walk(symbols);
    return out;
  } catch {
    return undefined;
  }
}

const PY_DEF = /^(\s*)(?:async\s+)?def\s+([A-Za-z_]\w*)/;
const C_LIKE_HEADER = /^(?![\s}#/])(?!.*;\s*$).*?([A-Za-z_~][\w:~<>]*)\s*\(/;
const JS_FUNCTION = /^\s*(?:export\s+)?(?:async\s+)?function\s*\*?\s*([A-Za-z_$][\w$]*)/;

/** The function enclosing a 0-based line: name and 0-based line of its header ("module" = line 0). */
export function enclosingFunction(
  doc: vscode.TextDocument,
  line: number,
  symbols?: FnRange[],
): { name: string; line: number } {
  if (symbols) {
    const inner = symbols.filter((s) => s.start <= line && line <= s.end).sort((a, b) => b.start - a.start)[0];
    if (inner) return { name: inner.name, line: inner.start };
  }
  const text = (l: number) => doc.lineAt(l).text;
  if (doc.languageId === 'python' || doc.fileName.endsWith('.py')) {
    let indent = /^\s*/.exec(text(line))![0].length;
    for (let l = line; l >= 0; l--) {
      const t = text(l);
      if (!t.trim() || t.trimStart().startsWith('#')) continue;
      const m = PY_DEF.exec(t);
      const ind = /^\s*/.exec(t)![0].length;
      if (m && (ind < indent || l === line)) return { name: m[2], line: l };
      indent = Math.min(indent, ind);
      if (ind === 0 && l !== line) break;
    }
    return { name: 'module level', line: 0 };
  }
  for (let l = line; l >= 0; l--) {
    const t = text(l);
    const js = JS_FUNCTION.exec(t);
    if (js && /^\S/.test(t)) return { name: js[1], line: l };
    const c = C_LIKE_HEADER.exec(t);
    if (c && !/^(if|for|while|switch|return|else)$/.test(c[1])) return { name: c[1], line: l };
  }
  return { name: 'file', line: 0 };
}
