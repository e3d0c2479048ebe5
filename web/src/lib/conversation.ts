// A session replayed as a conversation: each trace's input is the user's turn and its
// output the assistant's. Chat apps usually send the whole history as each trace's input;
// replaying it whole would repeat every earlier turn, so a turn shows only the messages
// after the history's last assistant message, and says how many earlier ones it hides.
import { chatMessages } from "./render";

// The raw message array of a chat value (unwrapping JSON strings and {messages: [...]}),
// or null when the value is not a conversation.
export function rawMessages(value: unknown): unknown[] | null {
  if (!chatMessages(value)) return null;
  let v = value;
  if (typeof v === "string") v = JSON.parse(v.trim());
  if (v && typeof v === "object" && !Array.isArray(v) && Array.isArray((v as { messages?: unknown }).messages))
    v = (v as { messages: unknown[] }).messages;
  return Array.isArray(v) ? v : [v];
}

export interface UserTurn {
  value: unknown; // what to render: the new messages, or the input as it is
  earlier: number; // messages of the history left out
}

export function userTurn(input: unknown): UserTurn {
  const messages = rawMessages(input);
  if (!messages) return { value: input, earlier: 0 };
  const roles = chatMessages(messages)!.map((m) => m.role.toLowerCase());
  const lastAssistant = roles.lastIndexOf("assistant");
  const fresh = messages.slice(lastAssistant + 1);
  if (lastAssistant < 0 || fresh.length === 0) return { value: input, earlier: 0 };
  return { value: fresh, earlier: lastAssistant + 1 };
}

// "newest 1,000 of 52,000 traces" when sums cover only part of a group (the server bounds
// them, docs/ui-api.md), else null.
export function partialNote(counted: number, total: number): string | null {
  if (counted >= total) return null;
  return `summed over the newest ${counted.toLocaleString("en-US")} of ${total.toLocaleString("en-US")} traces`;
}
