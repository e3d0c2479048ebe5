import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useParams } from "react-router-dom";
import { api, can, findProject, type ApiKey, type CreatedApiKey } from "../api";
import { useMe } from "../components/Layout";
import { CodeBlock, CopyButton } from "../components/Copy";
import { formatTimestamp } from "../lib/format";

export function snippets(key: { publicKey: string; secretKey: string }, origin: string) {
  const env =
    `LANGFUSE_PUBLIC_KEY="${key.publicKey}"\n` +
    `LANGFUSE_SECRET_KEY="${key.secretKey}"\n` +
    `LANGFUSE_BASEURL="${origin}"\n` +
    `LANGFUSE_HOST="${origin}"`;
  const curl =
    `curl -u "${key.publicKey}:${key.secretKey}" \\\n` +
    `  -H "Content-Type: application/json" \\\n` +
    `  -d '{"batch":[{"id":"'$(date +%s%N)'","type":"trace-create","timestamp":"'$(date -u +%FT%TZ)'","body":{"name":"hello"}}]}' \\\n` +
    `  ${origin}/api/public/ingestion`;
  const b64 = btoa(`${key.publicKey}:${key.secretKey}`);
  const otel =
    `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="${origin}/api/public/otel/v1/traces"\n` +
    `OTEL_EXPORTER_OTLP_HEADERS="Authorization=Basic ${b64}"`;
  return { env, curl, otel };
}

export function ApiKeysPage() {
  const { projectId = "" } = useParams();
  const me = useMe();
  const project = findProject(me.data, projectId)?.project;
  const qc = useQueryClient();
  const base = `/api/ui/projects/${encodeURIComponent(projectId)}/api-keys`;
  const canRead = can(project, "apiKeys:read");
  const keys = useQuery({
    queryKey: ["api-keys", projectId],
    queryFn: () => api<{ data: ApiKey[] }>("GET", base),
    enabled: canRead,
  });
  const [note, setNote] = useState("");
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: () => api<CreatedApiKey>("POST", base, note ? { note } : {}),
    onSuccess: (k) => {
      setCreated(k);
      setNote("");
      qc.invalidateQueries({ queryKey: ["api-keys", projectId] });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => api("DELETE", `${base}/${encodeURIComponent(id)}`),
    onSuccess: () => {
      setConfirming(null);
      qc.invalidateQueries({ queryKey: ["api-keys", projectId] });
    },
  });

  if (!project) return <p className="page error">Project not found, or you are not a member of it.</p>;
  const s = created ? snippets(created, window.location.origin) : null;
  return (
    <div className="page">
      <h1>API keys</h1>
      <p className="muted">
        Keys let SDKs and OpenTelemetry exporters send traces to <b>{project.name}</b>.
      </p>
      {!canRead && <p className="muted">Your role ({project.role}) cannot see this project's API keys.</p>}
      {can(project, "apiKeys:create") && (
        <form
          className="row"
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate();
          }}
        >
          <input placeholder="Note (optional)" value={note} onChange={(e) => setNote(e.target.value)} />
          <button className="primary" type="submit" disabled={create.isPending}>
            Create new API key
          </button>
        </form>
      )}
      {create.error && <p className="error">{create.error.message}</p>}
      {created && s && (
        <div className="card created" data-testid="created-key">
          <h2>New API key</h2>
          <p className="warn">Copy the secret key now: it is shown only once.</p>
          <dl className="kv">
            <dt>Public key</dt>
            <dd>
              <code data-testid="new-public-key">{created.publicKey}</code> <CopyButton text={created.publicKey} />
            </dd>
            <dt>Secret key</dt>
            <dd>
              <code data-testid="new-secret-key">{created.secretKey}</code> <CopyButton text={created.secretKey} />
            </dd>
          </dl>
          <h3>Environment variables (Langfuse SDKs)</h3>
          <CodeBlock code={s.env} />
          <h3>curl</h3>
          <CodeBlock code={s.curl} />
          <h3>OpenTelemetry (OTLP/HTTP)</h3>
          <CodeBlock code={s.otel} />
          <button onClick={() => setCreated(null)}>Done</button>
        </div>
      )}
      {keys.isPending && canRead && <p className="muted">Loading…</p>}
      {keys.error && <p className="error">{keys.error.message}</p>}
      {keys.data && (
        <table className="table">
          <thead>
            <tr>
              <th>Public key</th>
              <th>Secret key</th>
              <th>Note</th>
              <th>Created</th>
              <th>Last used</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {keys.data.data.length === 0 && (
              <tr>
                <td colSpan={6} className="muted">
                  No API keys yet.
                </td>
              </tr>
            )}
            {keys.data.data.map((k) => (
              <tr key={k.id}>
                <td>
                  <code>{k.publicKey}</code> <CopyButton text={k.publicKey} />
                </td>
                <td>
                  <code>{k.displaySecretKey}</code>
                </td>
                <td>{k.note ?? ""}</td>
                <td>{formatTimestamp(k.createdAt)}</td>
                <td>{k.lastUsedAt ? formatTimestamp(k.lastUsedAt) : "never"}</td>
                <td className="right">
                  {can(project, "apiKeys:delete") &&
                    (confirming === k.id ? (
                      <span className="confirm">
                        Revoke? SDKs using it stop working at once.{" "}
                        <button className="danger" onClick={() => revoke.mutate(k.id)} disabled={revoke.isPending}>
                          Yes, revoke
                        </button>{" "}
                        <button onClick={() => setConfirming(null)}>Cancel</button>
                      </span>
                    ) : (
                      <button className="danger-outline" onClick={() => setConfirming(k.id)}>
                        Revoke
                      </button>
                    ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {revoke.error && <p className="error">{revoke.error.message}</p>}
    </div>
  );
}
