// The prompt editor (docs/ui.md): a new prompt, or a new version of `?name=` starting from
// version `?from=`. Versions are immutable, so saving always adds one.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useNavigate, useParams, useSearchParams } from "react-router-dom";
import { api, can } from "../api";
import { PromptContent, VariableList } from "../components/PromptContent";
import {
  draftBody,
  draftFromVersion,
  draftPrompt,
  draftProblems,
  draftVariables,
  emptyDraft,
  mayChangeLabel,
  parseConfig,
  promptPath,
  promptsApi,
  PROTECTED_LABEL,
  type Draft,
  type PromptVersion,
} from "../lib/prompts";
import { isPlaceholder, promptPlaceholders, type ChatItem } from "../lib/variables";
import { Crumbs, usePermissions, usePromptVersions } from "./Prompt";
import "./prompts.css";

export function NewPromptPage() {
  const { projectId = "" } = useParams();
  const [query] = useSearchParams();
  const name = query.get("name") ?? "";
  const from = Number(query.get("from")) || undefined;
  const project = usePermissions(projectId);
  const versions = usePromptVersions(projectId, name);
  if (!can(project, "prompts:CUD")) {
    return <p className="page muted">Your role ({project?.role ?? "none"}) cannot create prompts in this project.</p>;
  }
  if (name && versions.isPending) return <p className="page muted">Loading prompt…</p>;
  if (name && versions.error) return <p className="page error">{versions.error.message}</p>;
  const base = name ? (versions.data?.find((v) => v.version === from) ?? versions.data?.[0]) : undefined;
  return (
    <Editor
      key={base?.id ?? "new"}
      projectId={projectId}
      base={base}
      nextVersion={base ? Math.max(...(versions.data ?? []).map((v) => v.version)) + 1 : 1}
      permissions={project?.permissions}
    />
  );
}

const ROLES = ["system", "developer", "user", "assistant"];

function Editor({
  projectId,
  base,
  nextVersion,
  permissions,
}: {
  projectId: string;
  base?: PromptVersion;
  nextVersion: number;
  permissions?: string[];
}) {
  const navigate = useNavigate();
  const qc = useQueryClient();
  const [d, setD] = useState<Draft>(() => (base ? draftFromVersion(base) : emptyDraft()));
  const [production, setProduction] = useState(false);
  const [otherLabels, setOtherLabels] = useState("");
  const [tags, setTags] = useState("");
  const split = (s: string) => s.split(",").map((x) => x.trim()).filter(Boolean);
  const draft: Draft = { ...d, labels: [...(production ? [PROTECTED_LABEL] : []), ...split(otherLabels)] };
  const problems = draftProblems(draft);
  const config = parseConfig(d.configText);
  const save = useMutation({
    mutationFn: () =>
      api<PromptVersion>("POST", promptsApi(projectId), {
        ...draftBody(draft),
        ...(!base && split(tags).length ? { tags: split(tags) } : {}),
      }),
    onSuccess: async (created) => {
      await Promise.all([
        qc.invalidateQueries({ queryKey: ["prompts", projectId] }),
        qc.invalidateQueries({ queryKey: ["prompt", projectId, created.name] }),
      ]);
      navigate(promptPath(projectId, created.name, created.version));
    },
  });
  const setMessage = (i: number, m: ChatItem) => setD({ ...d, messages: d.messages.map((x, j) => (j === i ? m : x)) });
  return (
    <div className="page editor">
      {base && <Crumbs projectId={projectId} name={base.name} />}
      <h1>{base ? `New version of ${base.name} (v${nextVersion})` : "New prompt"}</h1>
      {base && <p className="muted small">Starts from version {base.version}. Versions are immutable: saving adds version {nextVersion}.</p>}
      <label className="field">
        Name
        <input
          aria-label="Name"
          placeholder="folder/name"
          value={d.name}
          disabled={!!base}
          onChange={(e) => setD({ ...d, name: e.target.value })}
        />
        {!base && <span className="muted small">Use “/” for folders, e.g. support/answer-question.</span>}
      </label>
      <div className="field">
        Type
        <span className="row" style={{ margin: 0 }}>
          {(["text", "chat"] as const).map((t) => (
            <label key={t}>
              <input type="radio" name="type" checked={d.type === t} disabled={!!base} onChange={() => setD({ ...d, type: t })} /> {t}
            </label>
          ))}
        </span>
      </div>
      {d.type === "text" ? (
        <label className="field">
          Prompt
          <textarea aria-label="Prompt text" rows={8} value={d.text} onChange={(e) => setD({ ...d, text: e.target.value })} placeholder="You are a helpful assistant. Answer {{question}}." />
        </label>
      ) : (
        <div className="field">
          Messages
          {d.messages.map((m, i) => (
            <div key={i} className="msg-edit" data-testid="message-editor">
              {isPlaceholder(m) ? (
                <>
                  <span className="muted small">placeholder</span>
                  <input aria-label={`Placeholder name ${i + 1}`} value={m.name} onChange={(e) => setMessage(i, { ...m, name: e.target.value })} />
                </>
              ) : (
                <>
                  <select aria-label={`Role of message ${i + 1}`} value={m.role} onChange={(e) => setMessage(i, { ...m, role: e.target.value })}>
                    {[...new Set([...ROLES, m.role])].map((r) => (
                      <option key={r}>{r}</option>
                    ))}
                  </select>
                  <textarea aria-label={`Content of message ${i + 1}`} rows={3} value={m.content} onChange={(e) => setMessage(i, { ...m, content: e.target.value })} />
                </>
              )}
              <button type="button" onClick={() => setD({ ...d, messages: d.messages.filter((_, j) => j !== i) })}>
                Remove
              </button>
            </div>
          ))}
          <span className="row" style={{ margin: 0 }}>
            <button type="button" onClick={() => setD({ ...d, messages: [...d.messages, { role: "user", content: "" }] })}>
              Add message
            </button>
            <button type="button" onClick={() => setD({ ...d, messages: [...d.messages, { type: "placeholder", name: "history" }] })}>
              Add placeholder
            </button>
          </span>
        </div>
      )}
      <div className="field">
        Preview
        <div className="preview-box" data-testid="editor-preview">
          <PromptContent prompt={draftPrompt(d)} />
        </div>
        <VariableList variables={draftVariables(d)} placeholders={promptPlaceholders(draftPrompt(d))} />
      </div>
      <label className="field">
        Config (JSON)
        <textarea
          aria-label="Config (JSON)"
          rows={5}
          className={config.ok ? "" : "invalid"}
          value={d.configText}
          onChange={(e) => setD({ ...d, configText: e.target.value })}
        />
        {!config.ok && (
          <span className="error small" role="alert" data-testid="config-error">
            {config.error}
          </span>
        )}
      </label>
      <div className="field">
        Labels
        {mayChangeLabel(permissions, PROTECTED_LABEL) && (
          <label>
            <input type="checkbox" checked={production} onChange={(e) => setProduction(e.target.checked)} /> Set the{" "}
            <b>production</b> label (what the SDKs fetch by default)
          </label>
        )}
        <input aria-label="Other labels" placeholder="other labels, comma-separated (e.g. staging)" value={otherLabels} onChange={(e) => setOtherLabels(e.target.value)} />
      </div>
      {!base && (
        <label className="field">
          Tags
          <input aria-label="Tags" placeholder="comma-separated" value={tags} onChange={(e) => setTags(e.target.value)} />
        </label>
      )}
      <label className="field">
        Commit message
        <input aria-label="Commit message" placeholder="What changed (optional)" value={d.commitMessage} onChange={(e) => setD({ ...d, commitMessage: e.target.value })} />
      </label>
      {problems.length > 0 && (
        <ul className="muted small" data-testid="editor-problems">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
      {save.error && (
        <p className="error" role="alert">
          {save.error.message}
        </p>
      )}
      <div className="row">
        <button className="primary" disabled={problems.length > 0 || save.isPending} onClick={() => save.mutate()}>
          {base ? "Save new version" : "Create prompt"}
        </button>
        <button type="button" onClick={() => navigate(-1)}>
          Cancel
        </button>
      </div>
    </div>
  );
}
