// Renders an input/output/metadata value for what it is: a conversation, JSON, or text.
import { useState } from "react";
import { chatMessages, classify, contentText, foldText, parsedValue, startsCollapsed } from "../lib/render";

export function ValueView({ value }: { value: unknown }) {
  const kind = classify(value);
  if (kind === "empty") return <span className="muted">empty</span>;
  if (kind === "chat") return <ChatView messages={chatMessages(value)!} />;
  if (kind === "text") return <TextView text={String(value)} />;
  return <JsonView value={parsedValue(value)} />;
}

function ChatView({ messages }: { messages: NonNullable<ReturnType<typeof chatMessages>> }) {
  return (
    <div className="chat">
      {messages.map((m, i) => {
        const text = contentText(m.content);
        return (
          <div key={i} className={`msg role-${m.role.toLowerCase()}`} data-testid="chat-message">
            <div className="role">
              {m.role}
              {m.name ? ` · ${m.name}` : ""}
            </div>
            {text !== null ? text && <TextView text={text} /> : <JsonView value={m.content} />}
            {m.toolCalls !== undefined && m.toolCalls !== null && (
              <div className="toolcalls">
                <div className="muted small">tool calls</div>
                <JsonView value={m.toolCalls} />
              </div>
            )}
          </div>
        );
      })}
    </div>
  );
}

export function TextView({ text }: { text: string }) {
  const [open, setOpen] = useState(false);
  const folded = foldText(text);
  if (folded === null || open)
    return (
      <div className="text">
        <pre>{text}</pre>
        {folded !== null && (
          <button className="link" onClick={() => setOpen(false)}>
            Show less
          </button>
        )}
      </div>
    );
  return (
    <div className="text">
      <pre>{folded}…</pre>
      <button className="link" onClick={() => setOpen(true)}>
        Show all ({text.length.toLocaleString("en-US")} characters)
      </button>
    </div>
  );
}

export function JsonView({ value }: { value: unknown }) {
  return (
    <div className="json">
      <JsonNode value={value} depth={0} />
    </div>
  );
}

function JsonNode({ value, depth, name }: { value: unknown; depth: number; name?: string }) {
  const isArr = Array.isArray(value);
  const isObj = value !== null && typeof value === "object";
  const entries: [string, unknown][] = isObj
    ? isArr
      ? (value as unknown[]).map((v, i) => [String(i), v])
      : Object.entries(value as Record<string, unknown>)
    : [];
  const [collapsed, setCollapsed] = useState(startsCollapsed(depth, entries.length));
  const label = name !== undefined ? <span className="key">{`"${name}"`}: </span> : null;
  if (!isObj)
    return (
      <div className="jrow">
        {label}
        <Scalar value={value} />
      </div>
    );
  const open = isArr ? "[" : "{";
  const close = isArr ? "]" : "}";
  if (entries.length === 0)
    return (
      <div className="jrow">
        {label}
        {open}
        {close}
      </div>
    );
  return (
    <div className="jnode">
      <div className="jrow">
        <button className="toggle" onClick={() => setCollapsed(!collapsed)} aria-label={collapsed ? "Expand" : "Collapse"}>
          {collapsed ? "▸" : "▾"}
        </button>
        {label}
        {open}
        {collapsed && (
          <span className="muted">
            {" "}
            {entries.length} {isArr ? "items" : "keys"} {close}
          </span>
        )}
      </div>
      {!collapsed && (
        <>
          <div className="jchildren">
            {entries.map(([k, v]) => (
              <JsonNode key={k} name={isArr ? undefined : k} value={v} depth={depth + 1} />
            ))}
          </div>
          <div className="jrow">{close}</div>
        </>
      )}
    </div>
  );
}

function Scalar({ value }: { value: unknown }) {
  if (typeof value === "string") {
    if (value.length > 300 || value.includes("\n")) return <TextView text={value} />;
    return <span className="jstr">"{value}"</span>;
  }
  if (typeof value === "number") return <span className="jnum">{value}</span>;
  if (typeof value === "boolean") return <span className="jbool">{String(value)}</span>;
  return <span className="jnull">null</span>;
}
