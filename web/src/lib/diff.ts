// A line diff (longest common subsequence) for the prompt page's "compare versions": text
// prompts line by line, chat prompts one message per line, configs as pretty JSON.

export type DiffOp = "same" | "add" | "del";
export interface DiffLine {
  op: DiffOp;
  text: string;
  oldNo?: number; // 1-based line in the old text (same, del)
  newNo?: number; // 1-based line in the new text (same, add)
}

// Past this many cells the LCS table would cost too much memory; the middle part (after
// the common head and tail are cut) is then shown as all removed, then all added.
const MAX_CELLS = 4_000_000;

export function diffLines(oldLines: string[], newLines: string[]): DiffLine[] {
  // Common head and tail need no table, and are most of a typical prompt edit.
  let head = 0;
  while (head < oldLines.length && head < newLines.length && oldLines[head] === newLines[head]) head++;
  let tail = 0;
  while (
    tail < oldLines.length - head &&
    tail < newLines.length - head &&
    oldLines[oldLines.length - 1 - tail] === newLines[newLines.length - 1 - tail]
  )
    tail++;
  const a = oldLines.slice(head, oldLines.length - tail);
  const b = newLines.slice(head, newLines.length - tail);
  const out: DiffLine[] = [];
  for (let i = 0; i < head; i++) out.push({ op: "same", text: oldLines[i], oldNo: i + 1, newNo: i + 1 });
  const middle = (a.length + 1) * (b.length + 1) > MAX_CELLS ? replaceAll(a, b) : lcsDiff(a, b);
  for (const line of middle) {
    out.push({
      ...line,
      oldNo: line.oldNo === undefined ? undefined : line.oldNo + head,
      newNo: line.newNo === undefined ? undefined : line.newNo + head,
    });
  }
  for (let i = 0; i < tail; i++) {
    const o = oldLines.length - tail + i;
    const n = newLines.length - tail + i;
    out.push({ op: "same", text: oldLines[o], oldNo: o + 1, newNo: n + 1 });
  }
  return out;
}

export function diffText(oldText: string, newText: string): DiffLine[] {
  return diffLines(splitLines(oldText), splitLines(newText));
}

export function splitLines(text: string): string[] {
  return text === "" ? [] : text.split(/\r?\n/);
}

export function diffStats(lines: DiffLine[]): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const l of lines) {
    if (l.op === "add") added++;
    else if (l.op === "del") removed++;
  }
  return { added, removed };
}

function replaceAll(a: string[], b: string[]): DiffLine[] {
  return [
    ...a.map((text, i): DiffLine => ({ op: "del", text, oldNo: i + 1 })),
    ...b.map((text, i): DiffLine => ({ op: "add", text, newNo: i + 1 })),
  ];
}

function lcsDiff(a: string[], b: string[]): DiffLine[] {
  const n = a.length;
  const m = b.length;
  const w = m + 1;
  // len[i*w + j]: length of the LCS of a[i..] and b[j..].
  const len = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      len[i * w + j] = a[i] === b[j] ? len[(i + 1) * w + j + 1] + 1 : Math.max(len[(i + 1) * w + j], len[i * w + j + 1]);
    }
  }
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push({ op: "same", text: a[i], oldNo: i + 1, newNo: j + 1 });
      i++;
      j++;
    } else if (len[(i + 1) * w + j] >= len[i * w + j + 1]) {
      // Removals before additions, as unified diffs show them.
      out.push({ op: "del", text: a[i], oldNo: i + 1 });
      i++;
    } else {
      out.push({ op: "add", text: b[j], newNo: j + 1 });
      j++;
    }
  }
  for (; i < n; i++) out.push({ op: "del", text: a[i], oldNo: i + 1 });
  for (; j < m; j++) out.push({ op: "add", text: b[j], newNo: j + 1 });
  return out;
}
