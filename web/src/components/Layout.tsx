import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, Navigate, NavLink, Outlet, useLocation, useNavigate, useParams } from "react-router-dom";
import { api, ApiError, findProject, type Me } from "../api";
import { applyTheme, initialTheme, type Theme } from "../theme";

export function useMe() {
  return useQuery({ queryKey: ["me"], queryFn: () => api<Me>("GET", "/api/ui/me") });
}

export function Layout() {
  const me = useMe();
  const location = useLocation();
  if (me.isPending) return <div className="page muted">Loading…</div>;
  if (me.error) {
    if (me.error instanceof ApiError && me.error.status === 401)
      return <Navigate to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
    return <div className="page error">{me.error.message}</div>;
  }
  return (
    <div className="app">
      <TopBar me={me.data} />
      <main className="main">
        <Outlet />
      </main>
    </div>
  );
}

function TopBar({ me }: { me: Me }) {
  const { projectId, orgId } = useParams();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const [theme, setTheme] = useState<Theme>(initialTheme());
  const current = findProject(me, projectId);
  const currentOrg = current?.org ?? me.organizations.find((o) => o.id === orgId);

  const logout = async () => {
    try {
      await api("POST", "/api/ui/auth/logout");
    } finally {
      qc.clear();
      navigate("/login");
    }
  };

  return (
    <header className="topbar">
      <Link to="/" className="brand">
        Lanterne
      </Link>
      <select
        aria-label="Project"
        value={current?.project.id ?? ""}
        onChange={(e) => e.target.value && navigate(`/project/${e.target.value}/traces`)}
      >
        {!current && <option value="">Select a project</option>}
        {me.organizations.map((org) => (
          <optgroup key={org.id} label={org.name}>
            {org.projects.map((p) => (
              <option key={p.id} value={p.id}>
                {org.name} / {p.name}
              </option>
            ))}
          </optgroup>
        ))}
      </select>
      {current && (
        <nav className="nav">
          <NavLink to={`/project/${current.project.id}/dashboard`}>Dashboard</NavLink>
          <NavLink to={`/project/${current.project.id}/traces`}>Traces</NavLink>
          <NavLink to={`/project/${current.project.id}/observations`}>Observations</NavLink>
          <NavLink to={`/project/${current.project.id}/sessions`}>Sessions</NavLink>
          <NavLink to={`/project/${current.project.id}/users`}>Users</NavLink>
          <NavLink to={`/project/${current.project.id}/prompts`}>Prompts</NavLink>
          <NavLink to={`/project/${current.project.id}/settings/api-keys`}>API keys</NavLink>
        </nav>
      )}
      {currentOrg && (
        <nav className="nav">
          <NavLink to={`/org/${currentOrg.id}/members`}>Members</NavLink>
        </nav>
      )}
      <span className="spacer" />
      <button
        className="ghost"
        title="Toggle light/dark theme"
        onClick={() => {
          const t = theme === "dark" ? "light" : "dark";
          applyTheme(t);
          setTheme(t);
        }}
      >
        {theme === "dark" ? "☀ Light" : "☾ Dark"}
      </button>
      <span className="muted user">{me.user.email}</span>
      <button className="ghost" onClick={logout}>
        Log out
      </button>
    </header>
  );
}

export function Home() {
  const me = useMe();
  if (!me.data) return null;
  const first = me.data.organizations.flatMap((o) => o.projects)[0];
  if (first) return <Navigate to={`/project/${first.id}/traces`} replace />;
  return (
    <div className="page">
      <h1>Welcome</h1>
      <p>
        You are not a member of any project yet. Ask an organization owner for an invitation link, or
        create your own organization:
      </p>
      <CreateOrg />
    </div>
  );
}

function CreateOrg() {
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [org, setOrg] = useState("");
  const [project, setProject] = useState("My Project");
  const create = useMutation({
    mutationFn: async () => {
      const o = await api<{ id: string }>("POST", "/api/ui/orgs", { name: org.trim() });
      return api<{ id: string }>("POST", `/api/ui/orgs/${encodeURIComponent(o.id)}/projects`, {
        name: project.trim(),
      });
    },
    onSuccess: async (p) => {
      await qc.invalidateQueries({ queryKey: ["me"] });
      navigate(`/project/${p.id}/traces`);
    },
  });
  return (
    <form
      className="row"
      onSubmit={(e) => {
        e.preventDefault();
        if (org.trim() && project.trim()) create.mutate();
      }}
    >
      <input aria-label="Organization name" placeholder="Organization name" value={org} onChange={(e) => setOrg(e.target.value)} />
      <input aria-label="Project name" placeholder="Project name" value={project} onChange={(e) => setProject(e.target.value)} />
      <button className="primary" type="submit" disabled={create.isPending || !org.trim() || !project.trim()}>
        Create
      </button>
      {create.error && <span className="error">{create.error.message}</span>}
    </form>
  );
}
