import type { MouseEvent, ReactNode } from "react";
import { navigate } from "./router";

/** An ordinary link (middle-click and Ctrl+click open a tab) that navigates inside the app. */
export function Link({ to, className, children }: { to: string; className?: string; children: ReactNode }) {
  const click = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  return (
    <a href={to} className={className} onClick={click}>
      {children}
    </a>
  );
}
