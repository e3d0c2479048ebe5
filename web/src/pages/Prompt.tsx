// One prompt (docs/ui.md): version history, the selected version's content and config,
// the diff of any two versions, label changes (each confirmed) and the SDK snippets.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router-dom";
import { api, can, findProject } from "../api";
import { useMe } from "../components/Layout";
import { PromptMetrics } from "../components/PromptMetrics";
import { CodeBlock } from "../components/Copy";
import { Label, PromptContent, VariableList } from "../components/PromptContent";
import { diffLines, diffStats, type DiffLine } from "../lib/diff";
import { formatTimestamp } from "../lib/format";
import {
  breadcrumbs,
  canRollBackTo,
  configLines,
  editableLabels,
  labelProblem,
  mayChangeLabel,
  movableLabels,
  newPromptPath,
  productionVersion,
  promptApi,
  promptLines,
  PROTECTED_LABEL,
  sdkSnippets,
  type PromptVersion,
} from "../lib/prompts";
import { promptPlaceholders, promptVariables } from "../lib/variables";
import "./prompts.css";

export function usePromptVersions(projectId: string, name: string) {
  return useQuery({
    queryKey: ["prompt", projectId, name],
    queryFn: () => api<{ data: PromptVersion[] }>("GET", `${promptApi(projectId, name)}/versions`).then((r) => r.data),
    enabled: !!name,
  });
}

export function usePermissions(projectId: string) {
  const me = useMe();
  return findProject(me.data, projectId)?.project;
}

export function Crumbs({ projectId, name }: { projectId: string; name: string }) {
  const parts = breadcrumbs(name);
  return (
    <div className="crumbs">
      {parts.slice(0, -1).map((c, i) => (
        <span key={c.path}>
          {i > 0 && " / "}
          <Link to={`/project/${projectId}/prompts${c.path ? `?folder=${encodeURIComponent(c.path)}` : ""}`}>{c.name}</Link>
        </span>
      ))}
    </div>
  );
}

export function PromptPage() {
  const { projectId = "", name = "" } = useParams();
  const project = usePermissions(projectId);
  const navigate = useNavigate();
  const [query, setQuery] = useSearchParams();
  const versions = usePromptVersions(projectId, name);
  const [snippets, setSnippets] = useState(false);
  if (versions.isPending) return <p className="page muted">Loading prompt…</p>;
  if (versions.error) return <p className="page error">{versions.error.message}</p>;
  const list = versions.data;
  const wanted = Number(query.get("version")) || productionVersion(list) || list[0].version;
  const selected = list.find((v) => v.version === wanted) ?? list[0];
  const view = query.get("view") === "diff" ? "diff" : "version";
  const update = (patch: Record<string, string | null>) => {
    const q = new URLSearchParams(query);
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) q.delete(k);
      else q.set(k, v);
    }
    setQuery(q);
  };
  const variables = promptVariables(selected.prompt);
  const sdk = sdkSnippets(name, selected.type, variables, promptPlaceholders(selected.prompt));
  return (
    <div className="page wide">
      <Crumbs projectId={projectId} name={name} />
      <div className="row" style={{ justifyContent: "space-between" }}>
        <h1 style={{ margin: 0 }}>{name}</h1>
        <span className="row" style={{ margin: 0 }}>
          <button onClick={() => setSnippets(!snippets)} aria-expanded={snippets}>
            Copy SDK snippet
          </button>
          {can(project, "prompts:CUD") && (
            <button className="primary" onClick={() => navigate(newPromptPath(projectId, name, selected.version))}>
              New version
            </button>
          )}
        </span>
      </div>
      <div className="badges">
        <span>{selected.type}</span>
        <span>{list.length} versions</span>
        {selected.tags.map((t) => (
          <span key={t} className="tag">
            {t}
          </span>
        ))}
      </div>
      {snippets && (
        <div className="card" data-testid="sdk-snippets">
          <h3>JavaScript / TypeScript (langfuse v3)</h3>
          <CodeBlock code={sdk.js} />
          <h3>Python</h3>
          <CodeBlock code={sdk.python} />
        </div>
      )}
      <div className="tabs" role="tablist">
        <button role="tab" aria-selected={view === "version"} className={view === "version" ? "active" : ""} onClick={() => update({ view: null })}>
          Version
        </button>
        <button role="tab" aria-selected={view === "diff"} className={view === "diff" ? "active" : ""} onClick={() => update({ view: "diff" })}>
          Compare versions
        </button>
      </div>
      <div className="prompt-layout">
        <VersionList versions={list} selected={selected.version} onSelect={(v) => update({ version: String(v) })} />
        {view === "diff" ? (
          <DiffPanel versions={list} selected={selected} a={Number(query.get("a")) || undefined} b={Number(query.get("b")) || undefined} update={update} />
        ) : (
          <div className="detail" data-testid="version-detail">
            <h2>Version {selected.version}</h2>
            <LabelManager key={selected.version} projectId={projectId} name={name} versions={list} version={selected} permissions={project?.permissions} />
            {selected.commitMessage && <p>{selected.commitMessage}</p>}
            <p className="muted small">
              Created {formatTimestamp(selected.createdAt)} by {selected.createdBy}
            </p>
            <h3>Prompt</h3>
            <PromptContent prompt={selected.prompt} />
            <VariableList variables={variables} placeholders={promptPlaceholders(selected.prompt)} />
            <h3>Config</h3>
            <pre className="json" data-testid="prompt-config">
              {JSON.stringify(selected.config ?? {}, null, 2)}
            </pre>
          </div>
        )}
      </div>
      <h2>Versions compared</h2>
      <PromptMetrics projectId={projectId} name={name} />
    </div>
  );
}

function VersionList({ versions, selected, onSelect }: { versions: PromptVersion[]; selected: number; onSelect: (v: number) => void }) {
  return (
    <div className="versions" data-testid="version-list">
      {versions.map((v) => (
        <div
          key={v.version}
          className={`version-row ${v.version === selected ? "selected" : ""}`}
          data-testid="version-row"
          role="button"
          tabIndex={0}
          onClick={() => onSelect(v.version)}
          onKeyDown={(e) => e.key === "Enter" && onSelect(v.version)}
        >
          <div>
            <b>v{v.version}</b>{" "}
            {v.labels.map((l) => (
              <Label key={l} label={l} />
            ))}
          </div>
          {v.commitMessage && <div>{v.commitMessage}</div>}
          <div className="meta">
            {formatTimestamp(v.createdAt)} · {v.createdBy}
          </div>
        </div>
      ))}
    </div>
  );
}

interface PendingChange {
  title: string;
  body: string;
  run: () => Promise<unknown>;
}

// Label changes, each confirmed first. Buttons for changes the role may not make are not
// shown; the server refuses them anyway (docs/ui-api.md, "Prompts").
function LabelManager({
  projectId,
  name,
  versions,
  version,
  permissions,
}: {
  projectId: string;
  name: string;
  versions: PromptVersion[];
  version: PromptVersion;
  permissions?: string[];
}) {
  const qc = useQueryClient();
  const [pending, setPending] = useState<PendingChange | null>(null);
  const [newLabel, setNewLabel] = useState("");
  const base = `${promptApi(projectId, name)}/versions/${version.version}`;
  const change = useMutation({
    mutationFn: (c: PendingChange) => c.run(),
    onSuccess: async () => {
      setPending(null);
      setNewLabel("");
      await Promise.all([
        qc.invalidateQueries({ queryKey: ["prompt", projectId, name] }),
        qc.invalidateQueries({ queryKey: ["prompts", projectId] }),
      ]);
    },
  });
  const holder = (label: string) => versions.find((v) => v.labels.includes(label) && v.version !== version.version);
  const moveTo = (label: string, title: string) => {
    const from = holder(label);
    setPending({
      title,
      body:
        `Put the label “${label}” on version ${version.version}` +
        (from ? `; it leaves version ${from.version}.` : ".") +
        (label === PROTECTED_LABEL ? ` Applications fetching the prompt without a label or version get version ${version.version} from now on.` : ""),
      run: () => api("PATCH", base, { newLabels: [label] }),
    });
  };
  const remove = (label: string) =>
    setPending({
      title: `Remove “${label}”`,
      body:
        `Take the label “${label}” off version ${version.version}.` +
        (label === PROTECTED_LABEL ? " Fetches of the production prompt fail until another version gets the label." : ""),
      run: () => api("PUT", `${base}/labels`, { labels: editableLabels(version.labels).filter((l) => l !== label) }),
    });
  const mayProtected = mayChangeLabel(permissions, PROTECTED_LABEL);
  const hasProduction = version.labels.includes(PROTECTED_LABEL);
  const typedProblem = newLabel ? labelProblem(newLabel) : null;
  const typedAllowed = !newLabel || mayChangeLabel(permissions, newLabel);
  const suggestions = movableLabels(versions, version).filter((l) => l !== PROTECTED_LABEL);
  return (
    <div className="section" data-testid="label-manager">
      <div>
        {version.labels.map((l) => (
          <Label key={l} label={l} onRemove={l !== "latest" && mayChangeLabel(permissions, l) ? () => remove(l) : undefined} />
        ))}
      </div>
      {can({ permissions }, "prompts:CUD") && (
        <div className="row">
          {!hasProduction && mayProtected && canRollBackTo(versions, version.version) && (
            <button className="primary" onClick={() => moveTo(PROTECTED_LABEL, `Roll back to version ${version.version}`)}>
              Roll back to this version
            </button>
          )}
          {!hasProduction && mayProtected && !canRollBackTo(versions, version.version) && (
            <button className="primary" onClick={() => moveTo(PROTECTED_LABEL, `Promote version ${version.version} to production`)}>
              Promote to production
            </button>
          )}
          <input
            aria-label="Label to add or move here"
            placeholder="label (e.g. staging)"
            list="movable-labels"
            value={newLabel}
            onChange={(e) => setNewLabel(e.target.value.trim())}
          />
          <datalist id="movable-labels">
            {suggestions.map((l) => (
              <option key={l} value={l} />
            ))}
          </datalist>
          <button
            disabled={!newLabel || !!typedProblem || !typedAllowed || version.labels.includes(newLabel)}
            onClick={() => moveTo(newLabel, `Label version ${version.version} “${newLabel}”`)}
          >
            Set label on this version
          </button>
          {typedProblem && <span className="error small">{typedProblem}</span>}
          {!typedAllowed && !typedProblem && <span className="error small">Your role cannot move the production label.</span>}
        </div>
      )}
      {pending && (
        <div className="dialog-backdrop">
          <div className="dialog" role="dialog" aria-modal="true" aria-labelledby="confirm-title">
            <h2 id="confirm-title">{pending.title}</h2>
            <p>{pending.body}</p>
            {change.error && (
              <p className="error" role="alert">
                {change.error.message}
              </p>
            )}
            <div className="row">
              <button className="primary" disabled={change.isPending} onClick={() => change.mutate(pending)}>
                Confirm
              </button>
              <button
                onClick={() => {
                  change.reset();
                  setPending(null);
                }}
              >
                Cancel
              </button>
            </div>
          </div>
        </div>
      )}
    </div>
  );
}

function DiffPanel({
  versions,
  selected,
  a,
  b,
  update,
}: {
  versions: PromptVersion[];
  selected: PromptVersion;
  a?: number;
  b?: number;
  update: (patch: Record<string, string | null>) => void;
}) {
  // By default the selected version against the one before it.
  const older = versions.find((v) => v.version < selected.version) ?? selected;
  const from = versions.find((v) => v.version === a) ?? older;
  const to = versions.find((v) => v.version === b) ?? selected;
  const promptDiff = diffLines(promptLines(from.prompt), promptLines(to.prompt));
  const configDiff = diffLines(configLines(from.config), configLines(to.config));
  const pick = (label: string, value: number, key: string) => (
    <label className="row" style={{ margin: 0 }}>
      {label}
      <select aria-label={`${label} version`} value={value} onChange={(e) => update({ [key]: e.target.value })}>
        {versions.map((v) => (
          <option key={v.version} value={v.version}>
            v{v.version}
            {v.labels.length ? ` (${v.labels.join(", ")})` : ""}
          </option>
        ))}
      </select>
    </label>
  );
  return (
    <div className="detail" data-testid="diff">
      <div className="row">
        {pick("From", from.version, "a")}
        {pick("To", to.version, "b")}
      </div>
      <DiffBlock title="Prompt" lines={promptDiff} />
      <DiffBlock title="Config" lines={configDiff} />
    </div>
  );
}

function DiffBlock({ title, lines }: { title: string; lines: DiffLine[] }) {
  const stats = diffStats(lines);
  return (
    <>
      <h3>
        {title}{" "}
        <span className="small" data-testid={`diff-stats-${title.toLowerCase()}`}>
          +{stats.added} −{stats.removed}
        </span>
      </h3>
      {stats.added + stats.removed === 0 && <p className="muted small">No difference.</p>}
      <div className="diff">
        {lines.map((l, i) => (
          <div key={i} className={`diff-line ${l.op}`} data-testid={l.op === "same" ? undefined : `diff-${l.op}`}>
            <span className="no">{l.oldNo ?? ""}</span>
            <span className="no">{l.newNo ?? ""}</span>
            <span>{l.op === "add" ? "+" : l.op === "del" ? "−" : " "}</span>
            <span>{l.text}</span>
          </div>
        ))}
      </div>
    </>
  );
}
