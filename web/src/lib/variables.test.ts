import { describe, expect, it } from "vitest";
import { extractVariables, highlightSegments, promptPlaceholders, promptVariables, validPlaceholderName } from "./variables";

describe("variables", () => {
  it("follows the server's rule: identifiers, spaces allowed, no repeats", () => {
    expect(extractVariables("{{a}} {{ b }} {{a}} {{ not closed {{c_1}} {{1x}} {{x-y}}")).toEqual(["a", "b", "c_1"]);
    expect(extractVariables("{{q}}", "{{persona}} {{q}}")).toEqual(["q", "persona"]);
  });

  it("cuts text into plain runs and variables that join back to the text", () => {
    const text = "Hi {{ name }}, about {{topic}}: {{1bad}}";
    const segs = highlightSegments(text);
    expect(segs.map((s) => s.text).join("")).toBe(text);
    expect(segs.filter((s) => s.variable).map((s) => [s.text, s.variable])).toEqual([
      ["{{ name }}", "name"],
      ["{{topic}}", "topic"],
    ]);
    expect(segs[0]).toEqual({ text: "Hi " });
    expect(highlightSegments("")).toEqual([]);
  });

  it("reads chat prompts: message contents and placeholders", () => {
    const chat = [
      { role: "system", content: "You are {{persona}}" },
      { type: "placeholder", name: "history" },
      { role: "user", content: "{{question}}" },
    ];
    expect(promptVariables(chat)).toEqual(["persona", "question"]);
    expect(promptPlaceholders(chat)).toEqual(["history"]);
    expect(promptVariables("{{x}}")).toEqual(["x"]);
    expect(validPlaceholderName("history_1")).toBe(true);
    expect(validPlaceholderName("1history")).toBe(false);
  });
});
