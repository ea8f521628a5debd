// timeline.jsonl is written one sample per line, synchronously, so a crash of the target, the
// CLI or the editor loses at most the sample in flight; timeline.csv (seed 001's columns) is
// derived from it at the end.
import { closeSync, createReadStream, openSync, writeFileSync, writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Sample } from './types';

export const CSV_HEADER = 'timestamp,elapsed_seconds,process_name,pid,cpu_percent,memory_rss_mb,memory_percent';

export class JsonlWriter {
  private fd: number | undefined;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'a');
  }

  /** Appends one line, whole or with an error (writeSync may write part of it on a full disk). */
  write(record: unknown): void {
    if (this.fd === undefined) return;
    const line = Buffer.from(JSON.stringify(record) + '\n');
    for (let at = 0; at < line.length;) {
      const n = writeSync(this.fd, line, at);
      if (n <= 0) throw Object.assign(new Error(`short write to ${this.path}`), { code: 'ENOSPC' });
      at += n;
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function sampleToCsvRows(s: Sample): string[] {
  const ts = new Date(s.t).toISOString();
  return s.processes.map((p) =>
    [
      ts,
      s.elapsedS.toFixed(3),
      csvField(p.name),
      p.pid,
      p.cpuPercent.toFixed(1),
      (p.rssBytes / (1024 * 1024)).toFixed(2),
      p.memoryPercent.toFixed(2),
    ].join(','),
  );
}

/** Reads timeline.jsonl, skipping a torn last line (the writer was killed mid-line). */
export async function readTimeline(path: string): Promise<Sample[]> {
  const out: Sample[] = [];
  const rl = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as Sample);
    } catch {
      // Torn line: ignore.
    }
  }
  return out;
}

export async function writeCsvFromJsonl(jsonlPath: string, csvPath: string): Promise<void> {
  const rows = [CSV_HEADER];
  for (const s of await readTimeline(jsonlPath)) rows.push(...sampleToCsvRows(s));
  writeFileSync(csvPath, rows.join('\n') + '\n');
}
