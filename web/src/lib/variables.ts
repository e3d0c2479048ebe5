// `{{variable}}` in prompt texts, found by the server's rule (src/prompts/prompt.cc): an
// identifier (letters, digits, `_`, not starting with a digit) between `{{` and `}}`,
// spaces allowed around it. The editor and the prompt page highlight and list them; the
// SDK snippets pass them to `compile`.

const VARIABLE = /\{\{ *([A-Za-z_][A-Za-z0-9_]*) *\}\}/g;

export interface Segment {
  text: string;
  variable?: string; // set when `text` is a `{{variable}}`
}

// `text` cut into plain runs and variables, in order; joined back they give `text`.
export function highlightSegments(text: string): Segment[] {
  const out: Segment[] = [];
  let last = 0;
  for (const m of text.matchAll(VARIABLE)) {
    const start = m.index ?? 0;
    if (start > last) out.push({ text: text.slice(last, start) });
    out.push({ text: m[0], variable: m[1] });
    last = start + m[0].length;
  }
  if (last < text.length) out.push({ text: text.slice(last) });
  return out;
}

// Variable names in order of first appearance, without repeats, across `texts`.
export function extractVariables(...texts: string[]): string[] {
  const seen: string[] = [];
  for (const text of texts) {
    for (const m of text.matchAll(VARIABLE)) if (!seen.includes(m[1])) seen.push(m[1]);
  }
  return seen;
}

export interface ChatMessage {
  role: string;
  content: string;
}
export interface Placeholder {
  type: "placeholder";
  name: string;
}
export type ChatItem = ChatMessage | Placeholder;

export function isPlaceholder(item: ChatItem): item is Placeholder {
  return (item as Placeholder).type === "placeholder";
}

// The variables of a text or chat prompt (as the API returns `prompt`).
export function promptVariables(prompt: unknown): string[] {
  if (typeof prompt === "string") return extractVariables(prompt);
  if (Array.isArray(prompt)) {
    return extractVariables(
      ...prompt.map((m) => (m && typeof (m as ChatMessage).content === "string" ? (m as ChatMessage).content : "")),
    );
  }
  return [];
}

export function promptPlaceholders(prompt: unknown): string[] {
  if (!Array.isArray(prompt)) return [];
  return prompt.filter((m) => m && m.type === "placeholder" && typeof m.name === "string").map((m) => m.name as string);
}

// A placeholder's name must match the server's rule.
export function validPlaceholderName(name: string): boolean {
  return /^[a-zA-Z][a-zA-Z0-9_]*$/.test(name);
}
