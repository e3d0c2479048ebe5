// The project's prompts (docs/ui.md): names with `/` as folders, a name search, a tag
// filter; an empty project shows how to create a prompt from code.
import { useQuery } from "@tanstack/react-query";
import { Link, useNavigate, useParams, useSearchParams } from "react-router-dom";
import { api, can, findProject, type Paged } from "../api";
import { useMe } from "../components/Layout";
import { CodeBlock } from "../components/Copy";
import { Label } from "../components/PromptContent";
import { formatTimestamp } from "../lib/format";
import {
  allTags,
  baseName,
  breadcrumbs,
  CREATE_PROMPT_SNIPPET,
  folderView,
  newPromptPath,
  promptPath,
  promptsApi,
  type PromptListItem,
} from "../lib/prompts";
import "./prompts.css";

// Every prompt of the project: the folder view and the search need all names, and
// projects have few prompts (the list API pages by 100 at most).
async function fetchAllPrompts(projectId: string): Promise<PromptListItem[]> {
  const out: PromptListItem[] = [];
  for (let page = 1; ; page++) {
    const res = await api<Paged<PromptListItem>>("GET", `${promptsApi(projectId)}?limit=100&page=${page}`);
    out.push(...res.data);
    if (page >= res.meta.totalPages || res.data.length === 0) return out;
  }
}

export function usePromptList(projectId: string) {
  return useQuery({ queryKey: ["prompts", projectId], queryFn: () => fetchAllPrompts(projectId) });
}

export function PromptsPage() {
  const { projectId = "" } = useParams();
  const me = useMe();
  const project = findProject(me.data, projectId)?.project;
  const navigate = useNavigate();
  const [query, setQuery] = useSearchParams();
  const folder = query.get("folder") ?? "";
  const search = query.get("search") ?? "";
  const tag = query.get("tag") ?? "";
  const prompts = usePromptList(projectId);
  const set = (key: string, value: string) => {
    const q = new URLSearchParams(query);
    if (value) q.set(key, value);
    else q.delete(key);
    setQuery(q, { replace: key === "search" });
  };
  const items = prompts.data ?? [];
  const view = folderView(items, folder, search, tag);
  const tags = allTags(items);
  return (
    <div className="page wide">
      <div className="row" style={{ justifyContent: "space-between" }}>
        <h1 style={{ margin: 0 }}>Prompts</h1>
        {can(project, "prompts:CUD") && (
          <button className="primary" onClick={() => navigate(newPromptPath(projectId))}>
            New prompt
          </button>
        )}
      </div>
      {prompts.error && <p className="error">{prompts.error.message}</p>}
      {prompts.isPending && <p className="muted">Loading prompts…</p>}
      {prompts.data && items.length === 0 && <EmptyState />}
      {prompts.data && items.length > 0 && (
        <>
          <div className="filters">
            <input
              className="search"
              aria-label="Search prompts"
              placeholder="Search by name…"
              value={search}
              onChange={(e) => set("search", e.target.value)}
            />
            <select aria-label="Tag" value={tag} onChange={(e) => set("tag", e.target.value)}>
              <option value="">All tags</option>
              {tags.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          </div>
          <div className="crumbs" data-testid="prompt-breadcrumbs">
            {breadcrumbs(folder).map((c, i, all) => (
              <span key={c.path}>
                {i > 0 && " / "}
                {i === all.length - 1 ? <b>{c.name}</b> : <a href="#" onClick={(e) => { e.preventDefault(); set("folder", c.path); }}>{c.name}</a>}
              </span>
            ))}
          </div>
          <table className="table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Type</th>
                <th>Versions</th>
                <th>Labels</th>
                <th>Tags</th>
                <th>Last updated</th>
              </tr>
            </thead>
            <tbody>
              {view.folders.length === 0 && view.prompts.length === 0 && (
                <tr>
                  <td colSpan={6} className="muted">
                    No prompt matches{search ? ` “${search}”` : ""}{tag ? ` with tag ${tag}` : ""}.
                  </td>
                </tr>
              )}
              {view.folders.map((f) => (
                <tr key={f.path} className="clickable folder-row" data-testid="prompt-folder" onClick={() => set("folder", f.path)}>
                  <td>📁 {f.name}/</td>
                  <td className="muted">folder</td>
                  <td className="muted">{f.prompts} prompt{f.prompts === 1 ? "" : "s"}</td>
                  <td />
                  <td />
                  <td className="nowrap">{formatTimestamp(f.lastUpdatedAt)}</td>
                </tr>
              ))}
              {view.prompts.map((p) => (
                <tr key={p.name} data-testid="prompt-row">
                  <td>
                    <Link to={promptPath(projectId, p.name)}>{search ? p.name : baseName(p.name)}</Link>
                  </td>
                  <td>{p.type}</td>
                  <td className="num">{p.versions.length}</td>
                  <td>
                    {p.labels.map((l) => (
                      <Label key={l} label={l} />
                    ))}
                  </td>
                  <td>
                    {p.tags.map((t) => (
                      <span key={t} className="tag">
                        {t}
                      </span>
                    ))}
                  </td>
                  <td className="nowrap">{formatTimestamp(p.lastUpdatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}

function EmptyState() {
  return (
    <div className="card empty" data-testid="prompts-empty">
      <h2>No prompts yet</h2>
      <p>
        Prompts are versioned texts or chat templates with <code>{"{{variables}}"}</code> that your application fetches by
        label (<code>production</code> by default), so you can change them without a deploy. Create one with “New prompt”
        (MEMBER and above) or from code with the Langfuse SDK (v3):
      </p>
      <CodeBlock code={CREATE_PROMPT_SNIPPET} />
    </div>
  );
}
