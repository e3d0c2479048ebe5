import { describe, expect, it } from "vitest";
import { partialNote, rawMessages, userTurn } from "./conversation";

describe("userTurn", () => {
  it("keeps only the messages after the history's last assistant message", () => {
    const input = [
      { role: "system", content: "Be brief." },
      { role: "user", content: "Hi" },
      { role: "assistant", content: "Hello!" },
      { role: "user", content: "What is 2+2?" },
    ];
    expect(userTurn(input)).toEqual({ value: [{ role: "user", content: "What is 2+2?" }], earlier: 3 });
  });
  it("keeps a first turn whole (no assistant message yet)", () => {
    const input = [
      { role: "system", content: "Be brief." },
      { role: "user", content: "Hi" },
    ];
    expect(userTurn(input)).toEqual({ value: input, earlier: 0 });
  });
  it("unwraps JSON strings and {messages}", () => {
    const history = { messages: [{ role: "assistant", content: "a" }, { role: "user", content: "b" }] };
    expect(userTurn(history)).toEqual({ value: [{ role: "user", content: "b" }], earlier: 1 });
    expect(userTurn(JSON.stringify(history.messages)).value).toEqual([{ role: "user", content: "b" }]);
  });
  it("keeps an input ending with an assistant message whole", () => {
    const input = [{ role: "user", content: "q" }, { role: "assistant", content: "a" }];
    expect(userTurn(input)).toEqual({ value: input, earlier: 0 });
  });
  it("passes text and JSON through", () => {
    expect(userTurn("plain question")).toEqual({ value: "plain question", earlier: 0 });
    expect(userTurn({ query: "x" })).toEqual({ value: { query: "x" }, earlier: 0 });
    expect(userTurn(null)).toEqual({ value: null, earlier: 0 });
  });
  it("rawMessages returns the original objects, not normalized ones", () => {
    const m = { role: "user", content: "x", extra: 1 };
    expect(rawMessages([m])![0]).toBe(m);
    expect(rawMessages({ role: "assistant", content: "one" })).toEqual([{ role: "assistant", content: "one" }]);
    expect(rawMessages("text")).toBeNull();
  });
});

describe("partialNote", () => {
  it("is null when every trace was summed", () => {
    expect(partialNote(3, 3)).toBeNull();
  });
  it("says how many traces the sums cover", () => {
    expect(partialNote(1000, 52000)).toBe("summed over the newest 1,000 of 52,000 traces");
  });
});
