// Applying text edits: the same code path for `leaklens check --fix` and the tests.
import type { Fix, TextEdit } from '../types';

/** Applies non-overlapping edits (offsets into `text`); throws on overlap. */
export function applyEdits(text: string, edits: TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  let out = '';
  let pos = 0;
  for (const e of sorted) {
    if (e.start < pos) throw new Error(`overlapping edits at offset ${e.start}`);
    out += text.slice(pos, e.start) + e.newText;
    pos = e.end;
  }
  return out + text.slice(pos);
}

/** Picks fixes whose edits do not overlap those already picked (first come, first served). */
export function compatibleFixes<F extends Fix>(fixes: F[]): F[] {
  const taken: TextEdit[] = [];
  const picked: F[] = [];
  for (const fix of fixes) {
    const clash = fix.edits.some((e) =>
      taken.some(
        (t) =>
          (e.start < t.end && t.start < e.end) ||
          (e.start === e.end && t.start === t.end && e.start === t.start && e.newText !== t.newText),
      ),
    );
    if (clash) continue;
    taken.push(...fix.edits);
    picked.push(fix);
  }
  return picked;
}

/** Two fixes may insert the same helper (an #include, a guard type): keep one copy of identical inserts. */
export function mergeEdits(fixes: Fix[]): TextEdit[] {
  const seen = new Set<string>();
  const out: TextEdit[] = [];
  for (const e of fixes.flatMap((f) => f.edits)) {
    const key = `${e.start}:${e.end}:${e.newText}`;
    if (e.start === e.end && seen.has(key)) continue;
    seen.add(key);
    out.push(e);
  }
  return out;
}
