import { describe, expect, it } from "vitest";
import {
  breadcrumbs,
  canRollBackTo,
  configLines,
  draftBody,
  draftProblems,
  emptyDraft,
  folderView,
  mayChangeLabel,
  movableLabels,
  newPromptPath,
  parseConfig,
  promptLines,
  promptPath,
  sdkSnippets,
  type PromptListItem,
  type PromptVersion,
} from "./prompts";

const item = (name: string, tags: string[] = [], lastUpdatedAt = "2025-01-01T00:00:00.000Z"): PromptListItem => ({
  name,
  type: "text",
  versions: [1],
  labels: ["latest"],
  tags,
  lastUpdatedAt,
  lastConfig: {},
});

const version = (n: number, labels: string[]): PromptVersion => ({
  id: `id${n}`,
  createdAt: "",
  updatedAt: "",
  createdBy: "API",
  name: "p",
  version: n,
  type: "text",
  prompt: `v${n}`,
  config: {},
  labels,
  tags: [],
  commitMessage: null,
});

describe("folders", () => {
  const items = [
    item("support/faq/answer", ["prod"], "2025-03-01T00:00:00.000Z"),
    item("support/greeting", [], "2025-02-01T00:00:00.000Z"),
    item("support/faq/short"),
    item("top"),
  ];
  it("shows the folders and prompts directly inside one", () => {
    const root = folderView(items, "");
    expect(root.folders.map((f) => [f.name, f.prompts, f.lastUpdatedAt])).toEqual([["support", 3, "2025-03-01T00:00:00.000Z"]]);
    expect(root.prompts.map((p) => p.name)).toEqual(["top"]);
    const support = folderView(items, "support");
    expect(support.folders.map((f) => f.path)).toEqual(["support/faq"]);
    expect(support.prompts.map((p) => p.name)).toEqual(["support/greeting"]);
  });
  it("searches every name below the folder, any case, and filters by tag", () => {
    expect(folderView(items, "", "FAQ").prompts.map((p) => p.name)).toEqual(["support/faq/answer", "support/faq/short"]);
    expect(folderView(items, "support/faq", "sh").folders).toEqual([]);
    expect(folderView(items, "", "", "prod").folders.map((f) => f.prompts)).toEqual([1]);
    expect(folderView(items, "", "", "prod").prompts).toEqual([]);
  });
  it("makes breadcrumbs and encoded paths", () => {
    expect(breadcrumbs("a/b")).toEqual([
      { name: "Prompts", path: "" },
      { name: "a", path: "a" },
      { name: "b", path: "a/b" },
    ]);
    expect(promptPath("p1", "a/b c", 2)).toBe("/project/p1/prompts/a%2Fb%20c?version=2");
    expect(newPromptPath("p1", "a/b", 3)).toBe("/project/p1/prompts/new?name=a%2Fb&from=3");
    expect(newPromptPath("p1")).toBe("/project/p1/prompts/new");
  });
});

describe("labels and rights", () => {
  it("protects production", () => {
    const member = ["prompts:read", "prompts:CUD"];
    const admin = [...member, "promptProtectedLabels:CUD"];
    expect(mayChangeLabel(member, "staging")).toBe(true);
    expect(mayChangeLabel(member, "production")).toBe(false);
    expect(mayChangeLabel(admin, "production")).toBe(true);
    expect(mayChangeLabel(["prompts:read"], "staging")).toBe(false);
  });
  it("offers rollback only below the production version, and movable labels", () => {
    const vs = [version(3, ["latest", "staging"]), version(2, ["production"]), version(1, [])];
    expect(canRollBackTo(vs, 1)).toBe(true);
    expect(canRollBackTo(vs, 2)).toBe(false);
    expect(canRollBackTo(vs, 3)).toBe(false);
    expect(canRollBackTo([version(1, [])], 1)).toBe(false);
    expect(movableLabels(vs, vs[2])).toEqual(["production", "staging"]);
  });
});

describe("editor draft", () => {
  it("validates the config as a JSON object", () => {
    expect(parseConfig('{"temperature": 0.2}')).toEqual({ ok: true, value: { temperature: 0.2 } });
    expect(parseConfig("")).toEqual({ ok: true, value: {} });
    expect(parseConfig("{bad").ok).toBe(false);
    expect(parseConfig("[1]")).toMatchObject({ ok: false, error: expect.stringContaining("object") });
  });
  it("lists what blocks saving and builds the POST body", () => {
    const d = { ...emptyDraft("a/b"), text: "Hi {{x}}", configText: "{oops" };
    expect(draftProblems(d).some((p) => p.startsWith("Invalid JSON"))).toBe(true);
    const ok = { ...d, configText: '{"t":1}', labels: ["staging"], commitMessage: " first " };
    expect(draftProblems(ok)).toEqual([]);
    expect(draftBody(ok)).toEqual({ name: "a/b", type: "text", prompt: "Hi {{x}}", config: { t: 1 }, labels: ["staging"], commitMessage: "first" });
    expect(draftProblems({ ...ok, name: "a//b" })).toHaveLength(1);
    expect(draftProblems({ ...ok, labels: ["Prod"] })).toHaveLength(1);
    const chat = { ...ok, type: "chat" as const, messages: [{ type: "placeholder" as const, name: "9x" }] };
    expect(draftProblems(chat)).toHaveLength(1);
  });
});

describe("diff input and snippets", () => {
  it("serializes chat messages one per line and configs with sorted keys", () => {
    expect(promptLines([{ role: "system", content: "a\nb" }, { type: "placeholder", name: "h" }])).toEqual([
      "system: a ⏎ b",
      "[placeholder] h",
    ]);
    expect(promptLines("x\ny")).toEqual(["x", "y"]);
    expect(configLines({ b: 1, a: { d: 2, c: 3 } })).toEqual(configLines({ a: { c: 3, d: 2 }, b: 1 }));
  });
  it("uses the real name and variables", () => {
    const s = sdkSnippets('qa/"answer"', "text", ["question", "lang"]);
    expect(s.js).toContain('langfuse.getPrompt("qa/\\"answer\\"")');
    expect(s.js).toContain('prompt.compile({ question: "", lang: "" })');
    expect(s.python).toContain('langfuse.get_prompt("qa/\\"answer\\"")');
    expect(s.python).toContain('prompt.compile(question="", lang="")');
    const chat = sdkSnippets("c", "chat", []);
    expect(chat.js).toContain('getPrompt("c", undefined, { type: "chat" })');
    expect(chat.python).toContain('get_prompt("c", type="chat")');
    const withHistory = sdkSnippets("c", "chat", ["q"], ["history"]);
    expect(withHistory.js).toContain('prompt.compile({ q: "" }, { history: [] })');
    expect(withHistory.python).toContain('prompt.compile(q="", history=[])');
  });
});
