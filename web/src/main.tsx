import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { BrowserRouter, Navigate, Route, Routes } from "react-router-dom";
import { ApiError } from "./api";
import { Layout, Home } from "./components/Layout";
import { LoginPage, SignupPage, InvitePage } from "./pages/Auth";
import { ApiKeysPage } from "./pages/ApiKeys";
import { TracesPage } from "./pages/Traces";
import { TracePage } from "./pages/Trace";
import { ObservationsPage } from "./pages/Observations";
import { MembersPage } from "./pages/Members";
import { SessionsPage } from "./pages/Sessions";
import { SessionPage } from "./pages/Session";
import { UsersPage } from "./pages/Users";
import { UserPage } from "./pages/User";
import { PromptsPage } from "./pages/Prompts";
import { PromptPage } from "./pages/Prompt";
import { NewPromptPage } from "./pages/PromptEditor";
import { DashboardPage } from "./pages/Dashboard";
import { DashboardsPage, DashboardViewPage } from "./pages/Dashboards";
import { applyTheme, initialTheme } from "./theme";
import "./styles.css";

applyTheme(initialTheme());

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      retry: (count, err) => !(err instanceof ApiError && err.status >= 400 && err.status < 500) && count < 2,
      refetchOnWindowFocus: false,
      staleTime: 5_000,
    },
  },
});

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <BrowserRouter>
        <Routes>
          <Route path="/login" element={<LoginPage />} />
          <Route path="/signup" element={<SignupPage />} />
          <Route path="/invite/:token" element={<InvitePage />} />
          <Route element={<Layout />}>
            <Route path="/" element={<Home />} />
            <Route path="/project/:projectId" element={<Navigate to="traces" replace />} />
            <Route path="/project/:projectId/traces" element={<TracesPage />} />
            <Route path="/project/:projectId/traces/:traceId" element={<TracePage />} />
            <Route path="/project/:projectId/observations" element={<ObservationsPage />} />
            <Route path="/project/:projectId/sessions" element={<SessionsPage />} />
            <Route path="/project/:projectId/sessions/:sessionId" element={<SessionPage />} />
            <Route path="/project/:projectId/users" element={<UsersPage />} />
            <Route path="/project/:projectId/users/:userId" element={<UserPage />} />
            <Route path="/project/:projectId/prompts" element={<PromptsPage />} />
            <Route path="/project/:projectId/prompts/new" element={<NewPromptPage />} />
            <Route path="/project/:projectId/prompts/:name" element={<PromptPage />} />
            <Route path="/project/:projectId/dashboard" element={<DashboardPage />} />
            <Route path="/project/:projectId/dashboards" element={<DashboardsPage />} />
            <Route path="/project/:projectId/dashboards/:dashboardId" element={<DashboardViewPage />} />
            <Route path="/project/:projectId/settings/api-keys" element={<ApiKeysPage />} />
            <Route path="/org/:orgId/members" element={<MembersPage />} />
            <Route path="*" element={<p className="page">This page does not exist.</p>} />
          </Route>
        </Routes>
      </BrowserRouter>
    </QueryClientProvider>
  </StrictMode>,
);
