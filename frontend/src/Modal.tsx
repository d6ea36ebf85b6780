// The app's modal <dialog>: focus stays inside, Escape cancels (unless something is in
// progress), and closing gives focus back to what opened it.

import { useLayoutEffect, useRef } from "react";
import type { ReactNode, SyntheticEvent } from "react";

interface Props {
  /** The id of the dialog's heading. */
  labelledBy: string;
  className?: string;
  /** While true, Escape does nothing: a request is on its way. */
  busy?: boolean;
  onCancel: () => void;
  children: ReactNode;
  testId?: string;
}

export function Modal({ labelledBy, className, busy = false, onCancel, children, testId }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);

  // Before paint, so the dialog never shows as an ordinary block in the page.
  useLayoutEffect(() => {
    const element = dialog.current;
    element?.showModal();
    return () => element?.close();
  }, []);

  // Escape: the browser would close the dialog behind React's back.
  const escape = (event: SyntheticEvent<HTMLDialogElement>) => {
    event.preventDefault();
    if (!busy) onCancel();
  };

  return (
    <dialog
      ref={dialog}
      className={`dialog modal ${className ?? ""}`}
      aria-labelledby={labelledBy}
      onCancel={escape}
      data-testid={testId}
    >
      {children}
    </dialog>
  );
}
