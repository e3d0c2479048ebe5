import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router-dom";
import { api, ApiError } from "../api";

function safeNext(next: string | null): string {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

function AuthCard({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <div className="auth">
      <div className="card">
        <div className="brand big">Lanterne</div>
        <h1>{title}</h1>
        {children}
      </div>
    </div>
  );
}

export function LoginPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const login = useMutation({
    mutationFn: () => api("POST", "/api/ui/auth/login", { email, password }),
    onSuccess: async () => {
      qc.removeQueries({ queryKey: ["me"] });
      navigate(safeNext(params.get("next")));
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    login.mutate();
  };
  return (
    <AuthCard title="Sign in">
      <form onSubmit={submit} className="form">
        <label>
          Email
          <input type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <label>
          Password
          <input
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        {login.error && <p className="error" role="alert">{login.error.message}</p>}
        <button type="submit" className="primary" disabled={login.isPending}>
          {login.isPending ? "Signing in…" : "Sign in"}
        </button>
      </form>
      <p className="muted">
        No account? <Link to={`/signup${params.get("next") ? `?next=${encodeURIComponent(params.get("next")!)}` : ""}`}>Sign up</Link>
      </p>
    </AuthCard>
  );
}

export function signupProblem(name: string, email: string, password: string): string | null {
  if (!name.trim()) return "Enter your name.";
  if (!/^[^\s@]+@[^\s@]+$/.test(email)) return "Enter a valid email address.";
  if (password.length < 8) return "The password must be at least 8 characters long.";
  return null;
}

export function SignupPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const signup = useMutation({
    mutationFn: () => api("POST", "/api/ui/auth/signup", { name, email, password }),
    onSuccess: async () => {
      qc.removeQueries({ queryKey: ["me"] });
      navigate(safeNext(params.get("next")));
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const p = signupProblem(name, email, password);
    setProblem(p);
    if (!p) signup.mutate();
  };
  return (
    <AuthCard title="Create your account">
      <form onSubmit={submit} className="form" noValidate>
        <label>
          Name
          <input autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          Email
          <input type="email" autoComplete="email" value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <label>
          Password (at least 8 characters)
          <input
            type="password"
            autoComplete="new-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        {(problem || signup.error) && (
          <p className="error" role="alert">
            {problem ?? signup.error?.message}
          </p>
        )}
        <button type="submit" className="primary" disabled={signup.isPending}>
          {signup.isPending ? "Creating…" : "Sign up"}
        </button>
      </form>
      <p className="muted">
        Already have an account? <Link to="/login">Sign in</Link>
      </p>
    </AuthCard>
  );
}

export function InvitePage() {
  const { token = "" } = useParams();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const invite = useQuery({
    queryKey: ["invite", token],
    queryFn: () => api<{ orgName: string; role: string }>("GET", `/api/ui/invitations/${encodeURIComponent(token)}`),
  });
  const accept = useMutation({
    mutationFn: () => api<{ orgId: string }>("POST", `/api/ui/invitations/${encodeURIComponent(token)}/accept`),
    onSuccess: async () => {
      qc.removeQueries({ queryKey: ["me"] });
      navigate("/");
    },
  });
  const needsLogin = accept.error instanceof ApiError && accept.error.status === 401;
  const here = encodeURIComponent(`/invite/${token}`);
  return (
    <AuthCard title="Invitation">
      {invite.isPending && <p className="muted">Loading…</p>}
      {invite.error && <p className="error">{invite.error.message}</p>}
      {invite.data && (
        <>
          <p>
            You are invited to join <b>{invite.data.orgName}</b> as {invite.data.role}.
          </p>
          {accept.error && !needsLogin && <p className="error">{accept.error.message}</p>}
          {needsLogin ? (
            <p>
              <Link to={`/login?next=${here}`}>Sign in</Link> or <Link to={`/signup?next=${here}`}>sign up</Link> first.
            </p>
          ) : (
            <button className="primary" onClick={() => accept.mutate()} disabled={accept.isPending}>
              Accept invitation
            </button>
          )}
        </>
      )}
    </AuthCard>
  );
}
