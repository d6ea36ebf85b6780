/** The product mark and name, on the dark header and on the sign-in card. */
export function Brand() {
  return (
    <div className="brand">
      <svg className="brand-mark" viewBox="0 0 32 32" aria-hidden="true">
        <rect width="32" height="32" rx="7" />
        <path d="M9 21l5-6 4 4 5-8" />
      </svg>
      <div>
        <div className="brand-name">soarflow</div>
        <div className="brand-subtitle">Security playbooks</div>
      </div>
    </div>
  );
}
