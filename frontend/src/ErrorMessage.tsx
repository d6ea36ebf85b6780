import type { ApiError } from "./api";

interface Props {
  title: string;
  error: ApiError;
  /** What the user can do about it: try again, or dismiss the message. */
  action: { label: string; onClick: () => void };
}

/** A request that failed, as the API explained it. */
export function ErrorMessage({ title, error, action }: Props) {
  return (
    <div className="notice notice--error" role="alert">
      <p className="notice__title">{title}</p>
      <p>{error.message}</p>
      <p className="notice__meta">
        Code <code>{error.code}</code>
        {error.status !== null && <> · HTTP {error.status}</>}
      </p>
      <button type="button" className="button" onClick={action.onClick}>
        {action.label}
      </button>
    </div>
  );
}
