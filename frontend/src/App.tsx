import { Suspense, lazy, useEffect, useState } from "react";
import { fetchPlaybooks, onSessionEnded, toApiError } from "./api";
import type { ApiError, PlaybookList, PlaybookSummary } from "./api";
import { SESSION_ENDED_NOTICE, fetchMe, signOut, userLabel } from "./auth";
import type { User } from "./auth";
import { Brand } from "./Brand";
import { createPlaybook, newPlaybookDocument } from "./designer/api";
import {
  formatDateTime,
  playbookCountText,
  relativeTime,
  triggerLabel,
  validationText,
  versionText,
} from "./format";
import { Link } from "./Link";
import { PLAYBOOKS_PATH, designerPath, navigate, parseRoute, usePathname } from "./router";
import { SignInPage } from "./SignIn";

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

type LoadState =
  | { status: "loading" }
  | { status: "error"; error: ApiError }
  | { status: "ready"; list: PlaybookList };

export function App() {
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
              onRetry={() => {
                setSession({ status: "checking" });
                setAttempt((n) => n + 1);
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
    <div className={route.page === "designer" ? "app app--designer" : "app"}>
      <header className="app-header">
        <div className="app-header__inner">
          <Link to={PLAYBOOKS_PATH} className="brand-link">
            <Brand />
          </Link>
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
      <main className={route.page === "designer" ? "app-main app-main--full" : "app-main"}>
        {signOutError !== null && (
          <div className="notice notice--error notice--page" role="alert">
            <p className="notice__title">Could not sign out</p>
            <p>{signOutError.message}</p>
          </div>
        )}
        {route.page === "playbooks" && <PlaybooksSection />}
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
        {route.page === "not-found" && <NotFound />}
      </main>
    </div>
  );
}

function PlaybooksSection() {
  const [state, setState] = useState<LoadState>({ status: "loading" });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    fetchPlaybooks(controller.signal).then(
      (list) => setState({ status: "ready", list }),
      (error: unknown) => {
        if (!controller.signal.aborted) setState({ status: "error", error: toApiError(error) });
      },
    );
    return () => controller.abort();
  }, [attempt]);

  const retry = () => {
    setState({ status: "loading" });
    setAttempt((n) => n + 1);
  };

  return (
    <section className="panel" aria-labelledby="playbooks-heading">
      <div className="panel__header">
        <h1 id="playbooks-heading">Playbooks</h1>
        {state.status === "ready" && <CountSummary list={state.list} />}
        <NewPlaybookButton />
      </div>
      {state.status === "loading" && (
        <p className="panel__message" role="status">
          Loading playbooks…
        </p>
      )}
      {state.status === "error" && (
        <ErrorMessage title="Could not load playbooks" error={state.error} onRetry={retry} />
      )}
      {state.status === "ready" &&
        (state.list.data.length === 0 ? <EmptyState /> : <PlaybookTable playbooks={state.list.data} />)}
    </section>
  );
}

function NewPlaybookButton() {
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const create = () => {
    setCreating(true);
    setError(null);
    createPlaybook(newPlaybookDocument("Untitled playbook")).then(
      (playbook) => navigate(designerPath(playbook.id)),
      (reason: unknown) => {
        setCreating(false);
        setError(toApiError(reason));
      },
    );
  };
  return (
    <div className="panel__actions">
      {error !== null && (
        <span className="panel__error" role="alert">
          Could not create: {error.message}
        </span>
      )}
      <button type="button" className="button button--primary button--header" onClick={create} disabled={creating}>
        New playbook
      </button>
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

function CountSummary({ list }: { list: PlaybookList }) {
  const shown = list.data.length;
  return (
    <p className="panel__count">
      {playbookCountText(list.total)}
      {shown < list.total && <span className="muted"> · showing first {shown}</span>}
    </p>
  );
}

function ErrorMessage({ title, error, onRetry }: { title: string; error: ApiError; onRetry: () => void }) {
  return (
    <div className="notice notice--error" role="alert">
      <p className="notice__title">{title}</p>
      <p>{error.message}</p>
      <p className="notice__meta">
        Code <code>{error.code}</code>
        {error.status !== null && <> · HTTP {error.status}</>}
      </p>
      <button type="button" className="button" onClick={onRetry}>
        Try again
      </button>
    </div>
  );
}

function EmptyState() {
  return (
    <div className="empty">
      <p className="empty__title">No playbooks yet.</p>
      <p className="muted">Start one with New playbook: the designer opens with a trigger to build on.</p>
    </div>
  );
}

function PlaybookTable({ playbooks }: { playbooks: PlaybookSummary[] }) {
  const now = new Date();
  return (
    <div className="table-wrap">
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Trigger</th>
            <th scope="col">Status</th>
            <th scope="col">Validation</th>
            <th scope="col" className="num">
              Runs
            </th>
            <th scope="col">Updated</th>
            <th scope="col" className="num">
              Version
            </th>
          </tr>
        </thead>
        <tbody>
          {playbooks.map((playbook) => (
            <PlaybookRow key={playbook.id} playbook={playbook} now={now} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function PlaybookRow({ playbook, now }: { playbook: PlaybookSummary; now: Date }) {
  return (
    <tr data-testid="playbook-row">
      <td>
        <Link to={designerPath(playbook.id)} className="cell-name">
          {playbook.name}
        </Link>
        {playbook.description && <div className="cell-description">{playbook.description}</div>}
      </td>
      <td>{triggerLabel(playbook.triggerKind)}</td>
      <td>
        <span className={playbook.enabled ? "pill pill--on" : "pill pill--off"}>
          {playbook.enabled ? "Enabled" : "Disabled"}
        </span>
      </td>
      <td className={playbook.valid ? "validation validation--ok" : "validation validation--warn"}>
        {validationText(playbook.valid, playbook.problemCount)}
      </td>
      <td className="num">{playbook.runsCount.toLocaleString()}</td>
      <td className="cell-updated">
        <time dateTime={playbook.updatedAt} title={formatDateTime(playbook.updatedAt)}>
          {relativeTime(playbook.updatedAt, now)}
        </time>
      </td>
      <td className="num">{versionText(playbook.version)}</td>
    </tr>
  );
}
