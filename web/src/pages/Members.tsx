import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useParams } from "react-router-dom";
import { api, can } from "../api";
import { CodeBlock } from "../components/Copy";
import { useMe } from "../components/Layout";

interface Member {
  userId: string;
  email: string;
  name: string;
  role: string;
}
interface Invitation {
  id: string;
  token: string;
  url: string;
  role: string;
  expiresAt: string;
}

const ROLES = ["OWNER", "ADMIN", "MEMBER", "VIEWER"];

export function MembersPage() {
  const { orgId = "" } = useParams();
  const me = useMe();
  const org = me.data?.organizations.find((o) => o.id === orgId);
  const manage = can(org, "organizationMembers:CUD");
  const qc = useQueryClient();
  const base = `/api/ui/orgs/${encodeURIComponent(orgId)}`;
  const members = useQuery({
    queryKey: ["members", orgId],
    queryFn: () => api<{ data: Member[] }>("GET", `${base}/members`),
    enabled: can(org, "organizationMembers:read"),
  });
  const [role, setRole] = useState("MEMBER");
  const [email, setEmail] = useState("");
  const [invite, setInvite] = useState<Invitation | null>(null);
  const createInvite = useMutation({
    mutationFn: () => api<Invitation>("POST", `${base}/invitations`, email ? { role, email } : { role }),
    onSuccess: (i) => setInvite(i),
  });
  const changeRole = useMutation({
    mutationFn: (v: { userId: string; role: string }) =>
      api("PUT", `${base}/members/${encodeURIComponent(v.userId)}`, { role: v.role }),
    onSuccess: () => qc.invalidateQueries({ queryKey: ["members", orgId] }),
  });
  const remove = useMutation({
    mutationFn: (userId: string) => api("DELETE", `${base}/members/${encodeURIComponent(userId)}`),
    onSuccess: () => qc.invalidateQueries({ queryKey: ["members", orgId] }),
  });
  if (!org) return <p className="page error">Organization not found, or you are not a member of it.</p>;
  return (
    <div className="page">
      <h1>{org.name}: members</h1>
      {members.isPending && members.fetchStatus !== "idle" && <p className="muted">Loading…</p>}
      {members.error && <p className="error">{members.error.message}</p>}
      {members.data && (
        <table className="table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Email</th>
              <th>Role</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {members.data.data.map((m) => (
              <tr key={m.userId}>
                <td>{m.name}</td>
                <td>{m.email}</td>
                <td>
                  {manage && m.userId !== me.data?.user.id ? (
                    <select
                      aria-label={`Role of ${m.email}`}
                      value={m.role}
                      onChange={(e) => changeRole.mutate({ userId: m.userId, role: e.target.value })}
                    >
                      {ROLES.map((r) => (
                        <option key={r}>{r}</option>
                      ))}
                    </select>
                  ) : (
                    m.role
                  )}
                </td>
                <td className="right">
                  {manage && m.userId !== me.data?.user.id && (
                    <button
                      className="danger-outline"
                      onClick={() => window.confirm(`Remove ${m.email} from ${org.name}?`) && remove.mutate(m.userId)}
                    >
                      Remove
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {(changeRole.error || remove.error) && <p className="error">{(changeRole.error ?? remove.error)!.message}</p>}
      {manage && (
        <div className="card">
          <h2>Invite someone</h2>
          <form
            className="row"
            onSubmit={(e) => {
              e.preventDefault();
              createInvite.mutate();
            }}
          >
            <input type="email" placeholder="Email (optional)" value={email} onChange={(e) => setEmail(e.target.value)} />
            <select aria-label="Role" value={role} onChange={(e) => setRole(e.target.value)}>
              {ROLES.map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
            <button className="primary" type="submit" disabled={createInvite.isPending}>
              Create invitation link
            </button>
          </form>
          {createInvite.error && <p className="error">{createInvite.error.message}</p>}
          {invite && (
            <>
              <p>
                Send this link ({invite.role}, expires {new Date(invite.expiresAt).toLocaleString()}):
              </p>
              <CodeBlock code={window.location.origin + invite.url} />
            </>
          )}
        </div>
      )}
    </div>
  );
}
