import { describe, expect, it } from "vitest";
import { diffLines, diffStats, diffText } from "./diff";

const ops = (lines: ReturnType<typeof diffText>) => lines.map((l) => `${l.op === "same" ? " " : l.op === "add" ? "+" : "-"}${l.text}`);

describe("line diff", () => {
  it("keeps common lines and marks changes with line numbers", () => {
    const d = diffText("a\nb\nc\nd", "a\nB\nc\nd\ne");
    expect(ops(d)).toEqual([" a", "-b", "+B", " c", " d", "+e"]);
    expect(d[1]).toMatchObject({ op: "del", oldNo: 2 });
    expect(d[2]).toMatchObject({ op: "add", newNo: 2 });
    expect(d[3]).toMatchObject({ op: "same", oldNo: 3, newNo: 3 });
    expect(d[5]).toMatchObject({ op: "add", newNo: 5 });
    expect(diffStats(d)).toEqual({ added: 2, removed: 1 });
  });

  it("finds the longest common subsequence, not just prefix and suffix", () => {
    // LCS of ABCBDAB / BDCABA has length 4.
    const d = diffLines([..."ABCBDAB"], [..."BDCABA"]);
    expect(d.filter((l) => l.op === "same")).toHaveLength(4);
    // Replaying the diff gives back both sides.
    expect(d.filter((l) => l.op !== "add").map((l) => l.text).join("")).toBe("ABCBDAB");
    expect(d.filter((l) => l.op !== "del").map((l) => l.text).join("")).toBe("BDCABA");
  });

  it("handles empty sides and identical texts", () => {
    expect(ops(diffText("", "x\ny"))).toEqual(["+x", "+y"]);
    expect(ops(diffText("x", ""))).toEqual(["-x"]);
    expect(diffStats(diffText("same\ntext", "same\ntext"))).toEqual({ added: 0, removed: 0 });
    expect(diffText("", "")).toEqual([]);
  });

  it("stays correct past the table size limit", () => {
    const a = Array.from({ length: 3000 }, (_, i) => `a${i}`);
    const b = Array.from({ length: 3000 }, (_, i) => `b${i}`);
    const d = diffLines(["head", ...a, "tail"], ["head", ...b, "tail"]);
    expect(d[0]).toMatchObject({ op: "same", text: "head" });
    expect(d[d.length - 1]).toMatchObject({ op: "same", text: "tail", oldNo: 3002, newNo: 3002 });
    expect(diffStats(d)).toEqual({ added: 3000, removed: 3000 });
  });
});
