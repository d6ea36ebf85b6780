// A failed row action, shown under the row it concerns, until dismissed.

export function RowFailure({
  columns,
  title,
  message,
  onDismiss,
}: {
  columns: number;
  title: string;
  message: string;
  onDismiss: () => void;
}) {
  return (
    <tr className="row-failure" data-testid="row-error">
      <td colSpan={columns}>
        <div className="row-failure__message" role="alert">
          <span>
            <strong>{title}:</strong> {message}
          </span>
          <button type="button" className="row-failure__dismiss" aria-label="Dismiss the error" onClick={onDismiss}>
            ×
          </button>
        </div>
      </td>
    </tr>
  );
}
