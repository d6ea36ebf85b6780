import type { ApiError } from "./api";
import { Link } from "./Link";

interface Props {
  title: string;
  error: ApiError;
  /** What the user can do about it: try again, or dismiss the message. */
  action: { label: string; onClick: () => void };
  /** A way out, for a page that could not be shown at all. */
  back?: { label: string; to: string };
}

/** A request that failed, as the API explained it. */
export function ErrorMessage({ title, error, action, back }: Props) {
  return (
    <div className="notice notice--error" role="alert">
      <p className="notice__title">{title}</p>
      <p>{error.message}</p>
      <p className="notice__meta">
        Code <code>{error.code}</code>
        {error.status !== null && <> · HTTP {error.status}</>}
      </p>
      <div className="notice__actions">
        <button type="button" className="button" onClick={action.onClick}>
          {action.label}
        </button>
        {back !== undefined && (
          <Link to={back.to} className="button">
            {back.label}
          </Link>
        )}
      </div>
    </div>
  );
}
