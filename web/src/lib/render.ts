// Rendering decisions for observation input/output: what a value is, so that it can be
// shown for what it is (a conversation, JSON, long text).

export interface ChatMessage {
  role: string;
  content: unknown;
  name?: string;
  toolCalls?: unknown;
}

const ROLES = new Set(["system", "user", "assistant", "tool", "function", "developer", "model"]);

function asMessage(v: unknown): ChatMessage | null {
  if (!v || typeof v !== "object" || Array.isArray(v)) return null;
  const o = v as Record<string, unknown>;
  if (typeof o.role !== "string" || !ROLES.has(o.role.toLowerCase())) return null;
  if (!("content" in o) && !("tool_calls" in o) && !("parts" in o)) return null;
  const content = "content" in o ? o.content : (o.parts ?? null);
  return {
    role: o.role,
    content,
    name: typeof o.name === "string" ? o.name : undefined,
    toolCalls: o.tool_calls,
  };
}

// Chat messages: an array of {role, content}, an object {messages: [...]}, or one message
// (an assistant's output). Returns null when the value is not a conversation.
export function chatMessages(value: unknown): ChatMessage[] | null {
  let v = value;
  if (typeof v === "string") {
    const t = v.trim();
    if (!(t.startsWith("[") || t.startsWith("{"))) return null;
    try {
      v = JSON.parse(t);
    } catch {
      return null;
    }
  }
  if (v && typeof v === "object" && !Array.isArray(v) && Array.isArray((v as { messages?: unknown }).messages))
    v = (v as { messages: unknown[] }).messages;
  if (Array.isArray(v)) {
    if (v.length === 0) return null;
    const out: ChatMessage[] = [];
    for (const item of v) {
      const m = asMessage(item);
      if (!m) return null;
      out.push(m);
    }
    return out;
  }
  const single = asMessage(v);
  return single ? [single] : null;
}

// Text of a message's content: strings as they are, OpenAI content parts joined.
export function contentText(content: unknown): string | null {
  if (content === null || content === undefined) return "";
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    const texts: string[] = [];
    for (const p of content) {
      if (typeof p === "string") texts.push(p);
      else if (p && typeof p === "object" && typeof (p as { text?: unknown }).text === "string")
        texts.push((p as { text: string }).text);
      else return null;
    }
    return texts.join("\n");
  }
  return null;
}

export type ValueKind = "empty" | "chat" | "json" | "text";

export function classify(value: unknown): ValueKind {
  if (value === null || value === undefined || value === "") return "empty";
  if (chatMessages(value)) return "chat";
  if (typeof value === "string") {
    const t = value.trim();
    if ((t.startsWith("{") && t.endsWith("}")) || (t.startsWith("[") && t.endsWith("]"))) {
      try {
        JSON.parse(t);
        return "json";
      } catch {
        return "text";
      }
    }
    return "text";
  }
  return "json";
}

// Parses JSON-looking strings so they render as JSON.
export function parsedValue(value: unknown): unknown {
  if (typeof value === "string") {
    try {
      const t = value.trim();
      if (t.startsWith("{") || t.startsWith("[")) return JSON.parse(t);
    } catch {
      /* stays text */
    }
  }
  return value;
}

// Long text is folded to its first lines; returns the preview or null when short enough.
export const FOLD_CHARS = 1200;
export const FOLD_LINES = 12;
export function foldText(text: string): string | null {
  const lines = text.split("\n");
  if (text.length <= FOLD_CHARS && lines.length <= FOLD_LINES) return null;
  let preview = lines.slice(0, FOLD_LINES).join("\n");
  if (preview.length > FOLD_CHARS) preview = preview.slice(0, FOLD_CHARS);
  return preview;
}

// JSON nodes start collapsed below this depth, or when they have many children.
export function startsCollapsed(depth: number, childCount: number): boolean {
  if (childCount === 0) return false;
  if (depth >= 3) return true;
  return depth >= 1 && childCount > 20;
}

// One line preview for table cells.
export function preview(value: unknown, max = 80): string {
  if (value === null || value === undefined) return "";
  const msgs = chatMessages(value);
  let s: string;
  if (msgs) {
    const last = msgs[msgs.length - 1];
    s = contentText(last.content) ?? JSON.stringify(last.content);
  } else if (typeof value === "string") s = value;
  else s = JSON.stringify(value);
  s = s.replace(/\s+/g, " ").trim();
  return s.length > max ? s.slice(0, max - 1) + "…" : s;
}
