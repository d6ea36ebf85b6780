// The one field layout of the forms generated with @rjsf/core (action inputs, new connections):
// label with its required mark, help, the control, errors. A top-level field's wrapper carries
// `<prefix><field name>` as its test id.

import type { FieldTemplateProps } from "@rjsf/utils";

export function fieldTemplate(testIdPrefix: string) {
  return function FieldTemplate(props: FieldTemplateProps) {
    const { id, classNames, style, label, help, required, description, errors, children, displayLabel, hidden } = props;
    if (hidden === true) return <div className="hidden">{children}</div>;
    const path = props.fieldPathId.path;
    const testId = path.length === 1 ? `${testIdPrefix}${String(path[0])}` : undefined;
    return (
      <div className={`form-field ${classNames ?? ""}`} style={style} data-testid={testId}>
        {displayLabel === true && label !== "" && (
          <label htmlFor={id} className="form-field__label">
            {label}
            {required === true && (
              <span className="form-field__required" aria-label="required">
                *
              </span>
            )}
          </label>
        )}
        {displayLabel === true && description}
        {children}
        {errors}
        {help}
      </div>
    );
  };
}
