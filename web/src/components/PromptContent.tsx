// A prompt's content as the prompt page and the editor show it: `{{variables}}`
// highlighted, chat prompts as messages with their roles, placeholders marked.
import { highlightSegments, isPlaceholder, type ChatItem } from "../lib/variables";

export function Highlighted({ text }: { text: string }) {
  return (
    <pre>
      {highlightSegments(text).map((s, i) =>
        s.variable ? (
          <mark key={i} className="var" title={`variable ${s.variable}`} data-testid="prompt-variable">
            {s.text}
          </mark>
        ) : (
          <span key={i}>{s.text}</span>
        ),
      )}
    </pre>
  );
}

export function PromptContent({ prompt }: { prompt: string | ChatItem[] }) {
  if (typeof prompt === "string") {
    return (
      <div className="text" data-testid="prompt-text">
        <Highlighted text={prompt} />
      </div>
    );
  }
  return (
    <div className="chat">
      {prompt.map((m, i) =>
        isPlaceholder(m) ? (
          <div key={i} className="placeholder-msg" data-testid="chat-placeholder">
            Placeholder <code>{m.name}</code>: messages passed at compile time
          </div>
        ) : (
          <div key={i} className={`msg role-${m.role}`} data-testid="chat-message">
            <div className="role">{m.role}</div>
            <div className="text">
              <Highlighted text={m.content} />
            </div>
          </div>
        ),
      )}
    </div>
  );
}

export function VariableList({ variables, placeholders = [] }: { variables: string[]; placeholders?: string[] }) {
  return (
    <p className="small" data-testid="variable-list">
      {variables.length === 0 ? (
        <span className="muted">No variables.</span>
      ) : (
        <>
          Variables:{" "}
          {variables.map((v) => (
            <code key={v} className="var" style={{ marginRight: 6 }}>
              {v}
            </code>
          ))}
        </>
      )}
      {placeholders.length > 0 && <> · Placeholders: {placeholders.join(", ")}</>}
    </p>
  );
}

export function Label({ label, onRemove }: { label: string; onRemove?: () => void }) {
  return (
    <span className={`label ${label}`} data-testid="prompt-label">
      {label}
      {onRemove && (
        <button type="button" title={`Remove the ${label} label`} aria-label={`Remove label ${label}`} onClick={onRemove}>
          ×
        </button>
      )}
    </span>
  );
}
