import { describe, expect, it } from "vitest";
import { chatMessages, classify, contentText, foldText, FOLD_LINES, parsedValue, preview, startsCollapsed } from "./render";

describe("chatMessages", () => {
  it("recognizes an OpenAI message array", () => {
    const m = chatMessages([
      { role: "system", content: "Be brief." },
      { role: "user", content: "Hi" },
    ]);
    expect(m?.map((x) => x.role)).toEqual(["system", "user"]);
  });
  it("recognizes {messages: [...]} and one assistant message", () => {
    expect(chatMessages({ messages: [{ role: "user", content: "x" }] })).toHaveLength(1);
    expect(chatMessages({ role: "assistant", content: "Hello" })?.[0].role).toBe("assistant");
  });
  it("parses JSON strings holding messages", () => {
    expect(chatMessages('[{"role":"user","content":"hey"}]')?.[0].content).toBe("hey");
  });
  it("accepts tool calls without content", () => {
    expect(chatMessages([{ role: "assistant", tool_calls: [{ id: "1" }] }])?.[0].toolCalls).toEqual([{ id: "1" }]);
  });
  it("rejects what is not a conversation", () => {
    expect(chatMessages([])).toBeNull();
    expect(chatMessages([{ role: "user", content: "a" }, { foo: 1 }])).toBeNull();
    expect(chatMessages({ role: "captain", content: "a" })).toBeNull();
    expect(chatMessages("hello")).toBeNull();
    expect(chatMessages({ a: 1 })).toBeNull();
    expect(chatMessages(null)).toBeNull();
  });
});

describe("contentText", () => {
  it("joins text parts and refuses other parts", () => {
    expect(contentText("a")).toBe("a");
    expect(contentText([{ type: "text", text: "a" }, { type: "text", text: "b" }])).toBe("a\nb");
    expect(contentText([{ type: "image_url", image_url: { url: "x" } }])).toBeNull();
    expect(contentText({ x: 1 })).toBeNull();
  });
});

describe("classify", () => {
  it("tells empty, chat, json and text apart", () => {
    expect(classify(null)).toBe("empty");
    expect(classify("")).toBe("empty");
    expect(classify([{ role: "user", content: "x" }])).toBe("chat");
    expect(classify({ a: 1 })).toBe("json");
    expect(classify('{"a":1}')).toBe("json");
    expect(classify("{not json}")).toBe("text");
    expect(classify("plain words")).toBe("text");
    expect(classify(42)).toBe("json");
  });
  it("parses JSON-looking strings only", () => {
    expect(parsedValue('{"a":1}')).toEqual({ a: 1 });
    expect(parsedValue("{oops")).toBe("{oops");
    expect(parsedValue("x")).toBe("x");
  });
});

describe("folding", () => {
  it("folds long text to its first lines", () => {
    expect(foldText("short")).toBeNull();
    const long = Array.from({ length: 40 }, (_, i) => `line ${i}`).join("\n");
    expect(foldText(long)?.split("\n")).toHaveLength(FOLD_LINES);
    expect(foldText("x".repeat(5000))).toHaveLength(1200);
  });
  it("collapses deep or wide JSON nodes", () => {
    expect(startsCollapsed(0, 100)).toBe(false);
    expect(startsCollapsed(1, 5)).toBe(false);
    expect(startsCollapsed(1, 21)).toBe(true);
    expect(startsCollapsed(3, 1)).toBe(true);
    expect(startsCollapsed(5, 0)).toBe(false);
  });
});

describe("preview", () => {
  it("shows the last message of a conversation on one line", () => {
    expect(preview([{ role: "system", content: "s" }, { role: "user", content: "what\nis up" }])).toBe("what is up");
    expect(preview({ q: 1 })).toBe('{"q":1}');
    expect(preview("a".repeat(100), 10)).toBe("aaaaaaaaa…");
    expect(preview(null)).toBe("");
  });
});
