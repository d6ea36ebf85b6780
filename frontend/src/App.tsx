import { Suspense, lazy, useEffect, useState } from "react";
import { onSessionEnded, toApiError } from "./api";
import type { ApiError } from "./api";
import { ApprovalLinkPage } from "./approvals/ApprovalLinkPage";
import { ApprovalsPage } from "./approvals/ApprovalsPage";
import { SESSION_ENDED_NOTICE, fetchMe, signOut, userLabel } from "./auth";
import type { User } from "./auth";
import { AutomationPage } from "./automation/AutomationPage";
import { RuleEditorPage } from "./automation/RuleEditorPage";
import { Brand } from "./Brand";
import { ConnectionsPage } from "./connections/ConnectionsPage";
import { ErrorMessage } from "./ErrorMessage";
import { AlertsPage } from "./incidents/AlertsPage";
import { AppNav } from "./AppNav";
import { IncidentPage } from "./incidents/IncidentPage";
import { IncidentsPage } from "./incidents/IncidentsPage";
import { Link } from "./Link";
import { PlaybooksPage } from "./playbooks/PlaybooksPage";
import { PlaybookRunsPage } from "./runs/PlaybookRunsPage";
import { RunsPage } from "./runs/RunsPage";
import { PLAYBOOKS_PATH, parseRoute, usePathname } from "./router";
import type { Route } from "./router";
import { SignInPage } from "./SignIn";
import { TemplatesPage } from "./templates/TemplatesPage";

// The designer (React Flow, forms, layout) is most of the code: loaded when first opened.
type DesignerModule = typeof import("./designer/Designer");
let designerModule: DesignerModule | null = null;
function loadDesigner(): Promise<DesignerModule> {
  return import("./designer/Designer").then((module) => {
    designerModule = module;
    return module;
  });
}
const LazyDesignerPage = lazy(() => loadDesigner().then((module) => ({ default: module.DesignerPage })));
// The run view draws the playbook with the designer's canvas, so it shares the designer's chunk.
const LazyRunPage = lazy(() => import("./runs/RunPage").then((module) => ({ default: module.RunPage })));

/** Pages drawn edge to edge under a slim header: the canvas needs the room. */
function isFullWidth(page: Route["page"]): boolean {
  return page === "designer" || page === "run";
}

// A designer URL opened directly: its code loads while the session is checked, and the page is
// drawn once both are there. Through Suspense, React would hold the page back another 300 ms
// after showing the fallback.
const designerOnStart: Promise<unknown> =
  parseRoute(window.location.pathname).page === "designer" ? loadDesigner().catch(() => null) : Promise.resolve();

type SessionState =
  | { status: "checking" }
  | { status: "unavailable"; error: ApiError }
  | { status: "signed-out"; notice: string | null }
  | { status: "signed-in"; user: User };

export function App() {
  const route = parseRoute(usePathname());
  // An approval link is answered by whoever the playbook e-mailed, account or not: the token in
  // the address is the credential. So its page skips the session check, and a signed-in user
  // answers as the link's approver, not as themselves.
  if (route.page === "approval-link") return <ApprovalLinkPage key={route.token} token={route.token} />;
  return <SessionApp />;
}

function SessionApp() {
  const [session, setSession] = useState<SessionState>({ status: "checking" });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    fetchMe(controller.signal).then(
      (me) => void designerOnStart.then(() => setSession({ status: "signed-in", user: me.user })),
      (error: unknown) => {
        if (controller.signal.aborted) return;
        const apiError = toApiError(error);
        // 401 is the ordinary answer for a visitor who has not signed in; anything else means we
        // cannot tell, and a sign-in form would only fail again.
        setSession(
          apiError.status === 401 ? { status: "signed-out", notice: null } : { status: "unavailable", error: apiError },
        );
      },
    );
    return () => controller.abort();
  }, [attempt]);

  useEffect(
    () =>
      onSessionEnded(() =>
        setSession((current) =>
          current.status === "signed-in" ? { status: "signed-out", notice: SESSION_ENDED_NOTICE } : current,
        ),
      ),
    [],
  );

  switch (session.status) {
    case "checking":
      return (
        <div className="auth-page">
          <p className="muted" role="status">
            Loading…
          </p>
        </div>
      );
    case "unavailable":
      return (
        <div className="auth-page">
          <main className="auth-card">
            <div className="auth-card__brand">
              <Brand />
            </div>
            <ErrorMessage
              title="Could not check who is signed in"
              error={session.error}
              action={{
                label: "Try again",
                onClick: () => {
                  setSession({ status: "checking" });
                  setAttempt((n) => n + 1);
                },
              }}
            />
          </main>
        </div>
      );
    case "signed-out":
      return (
        <SignInPage notice={session.notice} onSignedIn={(user) => setSession({ status: "signed-in", user })} />
      );
    case "signed-in":
      return <SignedInApp user={session.user} onSignedOut={() => setSession({ status: "signed-out", notice: null })} />;
  }
}

function SignedInApp({ user, onSignedOut }: { user: User; onSignedOut: () => void }) {
  const route = parseRoute(usePathname());
  // Chosen once: switching between the two would remount an open designer.
  const [DesignerPage] = useState(() => designerModule?.DesignerPage ?? LazyDesignerPage);
  const [signingOut, setSigningOut] = useState(false);
  const [signOutError, setSignOutError] = useState<ApiError | null>(null);

  const signOutClicked = () => {
    setSigningOut(true);
    setSignOutError(null);
    signOut().then(onSignedOut, (error: unknown) => {
      setSigningOut(false);
      setSignOutError(toApiError(error));
    });
  };

  return (
    <div className={isFullWidth(route.page) ? "app app--designer" : "app"}>
      <header className="app-header">
        <div className="app-header__inner">
          <Link to={PLAYBOOKS_PATH} className="brand-link">
            <Brand />
          </Link>
          <AppNav route={route} />
          <div className="user-menu">
            <span className="user-menu__name" title={`Signed in as ${user.name}`}>
              {userLabel(user)}
            </span>
            <button type="button" className="button button--on-dark" onClick={signOutClicked} disabled={signingOut}>
              Sign out
            </button>
          </div>
        </div>
      </header>
      <main className={isFullWidth(route.page) ? "app-main app-main--full" : "app-main"}>
        {signOutError !== null && (
          <div className="notice notice--error notice--page" role="alert">
            <p className="notice__title">Could not sign out</p>
            <p>{signOutError.message}</p>
          </div>
        )}
        {route.page === "playbooks" && <PlaybooksPage />}
        {route.page === "templates" && <TemplatesPage />}
        {route.page === "designer" && (
          <Suspense
            fallback={
              <p className="designer-message muted" role="status">
                Loading the designer…
              </p>
            }
          >
            <DesignerPage key={route.playbookId} playbookId={route.playbookId} />
          </Suspense>
        )}
        {route.page === "incidents" && <IncidentsPage />}
        {route.page === "incident" && (
          <IncidentPage key={route.incidentId} incidentId={route.incidentId} userName={user.name} />
        )}
        {route.page === "alerts" && <AlertsPage />}
        {route.page === "automation" && <AutomationPage />}
        {route.page === "automation-rule" && <RuleEditorPage key={route.ruleId ?? "new"} ruleId={route.ruleId} />}
        {route.page === "approvals" && <ApprovalsPage />}
        {route.page === "connections" && <ConnectionsPage />}
        {route.page === "runs" && <RunsPage />}
        {route.page === "playbook-runs" && <PlaybookRunsPage key={route.playbookId} playbookId={route.playbookId} />}
        {route.page === "run" && (
          <Suspense
            fallback={
              <p className="designer-message muted" role="status">
                Loading the run…
              </p>
            }
          >
            <LazyRunPage key={route.runId} runId={route.runId} />
          </Suspense>
        )}
        {route.page === "not-found" && <NotFound />}
      </main>
    </div>
  );
}

function NotFound() {
  return (
    <section className="panel">
      <div className="empty">
        <p className="empty__title">There is no such page.</p>
        <Link to={PLAYBOOKS_PATH}>Go to the playbooks</Link>
      </div>
    </section>
  );
}
