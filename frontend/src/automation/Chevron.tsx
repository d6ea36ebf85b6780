/** A small up or down chevron in the current text colour, for the move buttons. */
export function Chevron({ up }: { up: boolean }) {
  return (
    <svg className="chevron" viewBox="0 0 10 10" width="10" height="10" aria-hidden="true" focusable="false">
      <path d={up ? "M2 6.5 5 3.5l3 3" : "M2 3.5 5 6.5l3-3"} />
    </svg>
  );
}
