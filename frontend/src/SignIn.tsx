import { useRef, useState } from "react";
import type { SubmitEvent } from "react";
import { toApiError } from "./api";
import { signIn, signInErrorMessage } from "./auth";
import type { User } from "./auth";
import { Brand } from "./Brand";

interface SignInPageProps {
  /** Why the visitor is here, e.g. that their session ended; hidden once they try again. */
  notice: string | null;
  onSignedIn: (user: User) => void;
}

export function SignInPage({ notice, onSignedIn }: SignInPageProps) {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [noticeShown, setNoticeShown] = useState(notice !== null);
  const passwordInput = useRef<HTMLInputElement>(null);

  const submit = (event: SubmitEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (submitting) return;
    setSubmitting(true);
    setError(null);
    setNoticeShown(false);
    signIn(username, password).then(onSignedIn, (reason: unknown) => {
      const apiError = toApiError(reason);
      setSubmitting(false);
      setError(signInErrorMessage(apiError));
      if (apiError.code === "invalid_credentials") setPassword("");
      passwordInput.current?.focus();
    });
  };

  return (
    <div className="auth-page">
      <main className="auth-card" aria-labelledby="sign-in-heading">
        <div className="auth-card__brand">
          <Brand />
        </div>
        <form className="auth-card__form" onSubmit={submit}>
          <h1 id="sign-in-heading">Sign in</h1>
          {noticeShown && notice !== null && (
            <p className="notice notice--info" role="status">
              {notice}
            </p>
          )}
          {error !== null && (
            <p className="notice notice--error" role="alert">
              {error}
            </p>
          )}
          <div className="field">
            <label htmlFor="sign-in-username">User name</label>
            <input
              id="sign-in-username"
              className="input"
              name="username"
              type="text"
              autoComplete="username"
              autoCapitalize="none"
              spellCheck={false}
              autoFocus
              required
              value={username}
              onChange={(event) => setUsername(event.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor="sign-in-password">Password</label>
            <input
              id="sign-in-password"
              ref={passwordInput}
              className="input"
              name="password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(event) => setPassword(event.target.value)}
            />
          </div>
          <button type="submit" className="button button--primary" disabled={submitting}>
            Sign in
          </button>
        </form>
      </main>
    </div>
  );
}
