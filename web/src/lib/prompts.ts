// Prompt management pages (docs/ui.md): the API's shapes, paths, the folder view of names
// with `/`, the editor's draft and its checks, labels and rights, diff input and snippets.
import { type ChatItem, isPlaceholder, promptVariables, validPlaceholderName } from "./variables";

export interface PromptListItem {
  name: string;
  type: "text" | "chat";
  versions: number[];
  labels: string[];
  tags: string[];
  lastUpdatedAt: string;
  lastConfig: unknown;
}

export interface PromptVersion {
  id: string;
  createdAt: string;
  updatedAt: string;
  createdBy: string;
  name: string;
  version: number;
  type: "text" | "chat";
  prompt: string | ChatItem[];
  config: unknown;
  labels: string[];
  tags: string[];
  commitMessage: string | null;
}

// The label the SDKs fetch by default; moving it needs promptProtectedLabels:CUD.
export const PROTECTED_LABEL = "production";
// Set by the server on the newest version; never edited.
export const LATEST_LABEL = "latest";

export function promptsApi(projectId: string): string {
  return `/api/ui/projects/${encodeURIComponent(projectId)}/prompts`;
}
export function promptApi(projectId: string, name: string): string {
  return `${promptsApi(projectId)}/${encodeURIComponent(name)}`;
}
export function promptPath(projectId: string, name: string, version?: number): string {
  return `/project/${projectId}/prompts/${encodeURIComponent(name)}${version ? `?version=${version}` : ""}`;
}
// The editor: a new prompt, or (with `name`) a new version of an existing one.
export function newPromptPath(projectId: string, name?: string, from?: number): string {
  const q = new URLSearchParams();
  if (name) q.set("name", name);
  if (name && from) q.set("from", String(from));
  const s = q.toString();
  return `/project/${projectId}/prompts/new${s ? `?${s}` : ""}`;
}

// ---- the list: folders and search ----

export interface FolderEntry {
  name: string; // one segment
  path: string; // full folder path
  prompts: number; // prompts anywhere below
  lastUpdatedAt: string;
}
export interface FolderView {
  folders: FolderEntry[];
  prompts: PromptListItem[];
}

// What to show inside `folder` ("" is the top): the folders directly below it and the
// prompts directly in it. With a search, every prompt below `folder` whose full name
// contains it (any case), and no folders. `tag` keeps prompts having that tag.
export function folderView(items: PromptListItem[], folder: string, search = "", tag = ""): FolderView {
  const prefix = folder ? `${folder}/` : "";
  const needle = search.trim().toLowerCase();
  const folders = new Map<string, FolderEntry>();
  const prompts: PromptListItem[] = [];
  for (const item of items) {
    if (!item.name.startsWith(prefix)) continue;
    if (tag && !item.tags.includes(tag)) continue;
    if (needle) {
      if (item.name.toLowerCase().includes(needle)) prompts.push(item);
      continue;
    }
    const rest = item.name.slice(prefix.length);
    const slash = rest.indexOf("/");
    if (slash < 0) {
      prompts.push(item);
      continue;
    }
    const name = rest.slice(0, slash);
    const entry = folders.get(name) ?? { name, path: prefix + name, prompts: 0, lastUpdatedAt: "" };
    entry.prompts++;
    if (item.lastUpdatedAt > entry.lastUpdatedAt) entry.lastUpdatedAt = item.lastUpdatedAt;
    folders.set(name, entry);
  }
  const byName = (a: string, b: string) => a.localeCompare(b);
  return {
    folders: [...folders.values()].sort((a, b) => byName(a.name, b.name)),
    prompts: prompts.sort((a, b) => byName(a.name, b.name)),
  };
}

export function breadcrumbs(folder: string): { name: string; path: string }[] {
  const out = [{ name: "Prompts", path: "" }];
  if (!folder) return out;
  const parts = folder.split("/");
  parts.forEach((name, i) => out.push({ name, path: parts.slice(0, i + 1).join("/") }));
  return out;
}

// The last segment of a name (what a row inside its folder shows).
export function baseName(name: string): string {
  return name.slice(name.lastIndexOf("/") + 1);
}

export function allTags(items: PromptListItem[]): string[] {
  return [...new Set(items.flatMap((i) => i.tags))].sort();
}

// ---- labels and rights ----

export function editableLabels(labels: string[]): string[] {
  return labels.filter((l) => l !== LATEST_LABEL);
}

// Whether a role with `permissions` may put `label` on a version or take it off one.
export function mayChangeLabel(permissions: string[] | undefined, label: string): boolean {
  const p = permissions ?? [];
  if (!p.includes("prompts:CUD")) return false;
  return label !== PROTECTED_LABEL || p.includes("promptProtectedLabels:CUD");
}

export function labelProblem(label: string): string | null {
  if (label === LATEST_LABEL) return "'latest' is set automatically on the newest version";
  if (!/^[a-z0-9_.-]{1,36}$/.test(label)) return "1 to 36 lowercase letters, digits, '_', '-' or '.'";
  return null;
}

export function productionVersion(versions: PromptVersion[]): number | undefined {
  return versions.find((v) => v.labels.includes(PROTECTED_LABEL))?.version;
}

// Rolling back = moving `production` to a version older than the one that has it.
export function canRollBackTo(versions: PromptVersion[], version: number): boolean {
  const prod = productionVersion(versions);
  return prod !== undefined && version < prod;
}

// Labels other versions carry (not `latest`) that `target` could take.
export function movableLabels(versions: PromptVersion[], target: PromptVersion): string[] {
  const out = new Set<string>();
  for (const v of versions) {
    if (v.version === target.version) continue;
    for (const l of editableLabels(v.labels)) if (!target.labels.includes(l)) out.add(l);
  }
  return [...out].sort();
}

// ---- the editor ----

export interface Draft {
  name: string;
  type: "text" | "chat";
  text: string;
  messages: ChatItem[];
  configText: string;
  labels: string[];
  commitMessage: string;
}

export function emptyDraft(name = ""): Draft {
  return {
    name,
    type: "text",
    text: "",
    messages: [
      { role: "system", content: "" },
      { role: "user", content: "" },
    ],
    configText: "{}",
    labels: [],
    commitMessage: "",
  };
}

// A new version starts from an existing one's content and config (labels are not copied:
// they move only when asked).
export function draftFromVersion(v: PromptVersion): Draft {
  return {
    name: v.name,
    type: v.type,
    text: typeof v.prompt === "string" ? v.prompt : "",
    messages: Array.isArray(v.prompt) ? v.prompt.map((m) => ({ ...m })) : emptyDraft().messages,
    configText: JSON.stringify(v.config ?? {}, null, 2),
    labels: [],
    commitMessage: "",
  };
}

export type ConfigCheck = { ok: true; value: Record<string, unknown> } | { ok: false; error: string };

export function parseConfig(text: string): ConfigCheck {
  if (!text.trim()) return { ok: true, value: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `Invalid JSON: ${(e as Error).message}` };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { ok: false, error: "The config must be a JSON object ({ … })" };
  }
  return { ok: true, value: value as Record<string, unknown> };
}

export function draftPrompt(d: Draft): string | ChatItem[] {
  return d.type === "text" ? d.text : d.messages;
}

export function draftVariables(d: Draft): string[] {
  return promptVariables(draftPrompt(d));
}

// What keeps the draft from being saved; empty when it can be.
export function draftProblems(d: Draft): string[] {
  const out: string[] = [];
  const name = d.name.trim();
  if (!name) out.push("The prompt needs a name.");
  else if (name.startsWith("/") || name.endsWith("/") || name.includes("//")) out.push("Folders in the name ('/') must not be empty.");
  else if (name.includes("|")) out.push("The name must not contain '|'.");
  else if (name === "new") out.push("'new' is a reserved name.");
  if (d.type === "text" && !d.text.trim()) out.push("The prompt text is empty.");
  if (d.type === "chat") {
    if (d.messages.length === 0) out.push("A chat prompt needs at least one message.");
    for (const m of d.messages) {
      if (isPlaceholder(m) && !validPlaceholderName(m.name))
        out.push(`Placeholder "${m.name}": a name starts with a letter, then letters, digits or '_'.`);
    }
  }
  const config = parseConfig(d.configText);
  if (!config.ok) out.push(config.error);
  for (const l of d.labels) {
    const p = labelProblem(l);
    if (p) out.push(`Label "${l}": ${p}`);
  }
  return out;
}

// The POST body (public API shape).
export function draftBody(d: Draft) {
  const config = parseConfig(d.configText);
  return {
    name: d.name.trim(),
    type: d.type,
    prompt: draftPrompt(d),
    config: config.ok ? config.value : {},
    labels: d.labels,
    ...(d.commitMessage.trim() ? { commitMessage: d.commitMessage.trim() } : {}),
  };
}

// ---- diff input ----

// A text prompt's lines; a chat prompt one message per line (`role: content`, newlines
// shown as ⏎), so a diff says which messages changed.
export function promptLines(prompt: unknown): string[] {
  if (typeof prompt === "string") return prompt === "" ? [] : prompt.split(/\r?\n/);
  if (!Array.isArray(prompt)) return [];
  return prompt.map((m: ChatItem) =>
    isPlaceholder(m) ? `[placeholder] ${m.name}` : `${m.role}: ${String(m.content).replace(/\r?\n/g, " ⏎ ")}`,
  );
}

// Pretty JSON with sorted keys, so key order alone is no difference.
export function configLines(config: unknown): string[] {
  return JSON.stringify(sortKeys(config ?? {}), null, 2).split("\n");
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") {
    return Object.fromEntries(
      Object.keys(v as object)
        .sort()
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

// ---- SDK snippets (langfuse v3 JS, Python) ----

// A chat prompt's placeholders are filled with message lists at compile time.
export function sdkSnippets(name: string, type: "text" | "chat", variables: string[], placeholders: string[] = []) {
  const n = JSON.stringify(name);
  const jsVars = variables.map((v) => `${v}: ""`).join(", ");
  const jsPlaceholders = placeholders.length ? `, { ${placeholders.map((p) => `${p}: []`).join(", ")} }` : "";
  const pyVars = [...variables.map((v) => `${v}=""`), ...placeholders.map((p) => `${p}=[]`)].join(", ");
  const js =
    `import { Langfuse } from "langfuse";\n\n` +
    `const langfuse = new Langfuse(); // LANGFUSE_PUBLIC_KEY, LANGFUSE_SECRET_KEY, LANGFUSE_BASEURL\n` +
    `const prompt = await langfuse.getPrompt(${n}${type === "chat" ? `, undefined, { type: "chat" }` : ""});\n` +
    `const compiled = prompt.compile({${jsVars ? ` ${jsVars} ` : ""}}${jsPlaceholders});`;
  const python =
    `from langfuse import Langfuse\n\n` +
    `langfuse = Langfuse()  # LANGFUSE_PUBLIC_KEY, LANGFUSE_SECRET_KEY, LANGFUSE_HOST\n` +
    `prompt = langfuse.get_prompt(${n}${type === "chat" ? `, type="chat"` : ""})\n` +
    `compiled = prompt.compile(${pyVars})`;
  return { js, python };
}

// The empty list's snippet: create a prompt from code, then fetch and compile it.
export const CREATE_PROMPT_SNIPPET =
  `import { Langfuse } from "langfuse";\n\n` +
  `const langfuse = new Langfuse();\n` +
  `await langfuse.createPrompt({\n` +
  `  name: "movie-critic",\n` +
  `  type: "text",\n` +
  `  prompt: "As a {{criticLevel}} movie critic, do you like {{movie}}?",\n` +
  `  labels: ["production"], // the version getPrompt returns by default\n` +
  `  config: { model: "gpt-4o", temperature: 0.7 },\n` +
  `});\n\n` +
  `const prompt = await langfuse.getPrompt("movie-critic");\n` +
  `const compiled = prompt.compile({ criticLevel: "expert", movie: "Dune 2" });`;
