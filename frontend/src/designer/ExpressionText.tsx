// A text field whose expressions show as tokens the analyst can read. The text between tokens is
// edited in ordinary inputs (no contentEditable): typing, selection and the clipboard behave as
// everywhere else, and Backspace next to a token removes it whole. Clicking a token shows its
// expression for editing; a complete `{{ ... }}` typed by hand becomes a token.

import { useLayoutEffect, useMemo, useRef, useState } from "react";
import type { KeyboardEvent } from "react";
import { caretSegment, expressionLabel, joinSegments, segmentStarts, splitExpressions } from "../graph/expressionText";
import type { Segment } from "../graph/expressionText";
import { DynamicFieldsButton } from "./DynamicFields";
import { insertExpressionAt } from "./fields";
import { useDesigner } from "./store";

interface ExpressionInputProps {
  id?: string;
  value: string;
  onChange: (value: string) => void;
  placeholder?: string;
  label?: string;
  required?: boolean;
  disabled?: boolean;
}

export function ExpressionInput({ id, value, onChange, placeholder, label, required, disabled }: ExpressionInputProps) {
  const segments = useMemo(() => splitExpressions(value), [value]);
  const starts = useMemo(() => segmentStarts(segments), [segments]);
  const inputs = useRef<(HTMLInputElement | null)[]>([]);
  // Where the caret goes once the new value is drawn (tokens may have appeared or gone).
  const pendingCaret = useRef<number | null>(null);
  // Where the picker inserts: the caret's last place in the joined text.
  const lastCaret = useRef<number | null>(null);
  const [editing, setEditing] = useState<number | null>(null);

  useLayoutEffect(() => {
    const offset = pendingCaret.current;
    if (offset === null) return;
    pendingCaret.current = null;
    const { index, caret } = caretSegment(segments, offset);
    const input = inputs.current[index];
    input?.focus();
    input?.setSelectionRange(caret, caret);
  }, [segments]);

  const change = (next: Segment[], caret: number | null) => {
    pendingCaret.current = caret;
    lastCaret.current = caret;
    onChange(joinSegments(next));
  };
  const replace = (index: number, text: string): Segment[] =>
    segments.map((segment, position) => (position === index ? { ...segment, text } : segment));
  const without = (index: number): Segment[] => segments.filter((_, position) => position !== index);

  const remember = (index: number, input: HTMLInputElement) => {
    lastCaret.current = (starts[index] as number) + (input.selectionStart ?? input.value.length);
  };

  const keyDown = (index: number, event: KeyboardEvent<HTMLInputElement>) => {
    const input = event.currentTarget;
    const collapsed = input.selectionStart === input.selectionEnd;
    const atStart = collapsed && input.selectionStart === 0;
    const atEnd = collapsed && input.selectionStart === input.value.length;
    const before = segments[index - 1];
    const after = segments[index + 1];
    if (event.key === "Backspace" && atStart && before !== undefined) {
      event.preventDefault();
      change(without(index - 1), starts[index - 1] as number);
    } else if (event.key === "Delete" && atEnd && after !== undefined) {
      event.preventDefault();
      change(without(index + 1), (starts[index] as number) + input.value.length);
    } else if (event.key === "ArrowLeft" && atStart && index >= 2) {
      event.preventDefault();
      focusAt(index - 2, "end");
    } else if (event.key === "ArrowRight" && atEnd && index + 2 < segments.length) {
      event.preventDefault();
      focusAt(index + 2, "start");
    }
  };

  const focusAt = (index: number, where: "start" | "end") => {
    const input = inputs.current[index];
    if (input === null || input === undefined) return;
    const caret = where === "start" ? 0 : input.value.length;
    input.focus();
    input.setSelectionRange(caret, caret);
  };

  const last = segments.length - 1;
  return (
    <div className={disabled === true ? "expression-input expression-input--disabled" : "expression-input"}>
      <div
        className="token-input"
        role="group"
        aria-label={label}
        onMouseDown={(event) => {
          // A click on the field's empty part types at its end, as in a plain input.
          if (event.target !== event.currentTarget) return;
          event.preventDefault();
          focusAt(last, "end");
        }}
      >
        {segments.map((segment, index) => {
          const start = starts[index] as number;
          if (segment.kind === "expression") {
            return editing === index ? (
              <RawExpression
                key={`raw-${start}`}
                text={segment.text}
                onDone={(text) => {
                  setEditing(null);
                  if (text !== segment.text) change(replace(index, text), start + text.length);
                }}
              />
            ) : (
              <Token
                key={`token-${start}`}
                expression={segment.text}
                disabled={disabled === true}
                onEdit={() => setEditing(index)}
                onRemove={() => change(without(index), start)}
              />
            );
          }
          const empty = value === "";
          return (
            <input
              key={`text-${index}`}
              ref={(element) => {
                inputs.current[index] = element;
              }}
              id={index === last ? id : undefined}
              className={index === last ? "token-input__text token-input__text--last" : "token-input__text"}
              type="text"
              value={segment.text}
              placeholder={empty ? placeholder : undefined}
              aria-label={index === last ? label : `${label ?? "Text"} (before a field)`}
              required={required === true && index === last}
              disabled={disabled}
              onChange={(event) => {
                const input = event.currentTarget;
                change(replace(index, input.value), start + (input.selectionStart ?? input.value.length));
              }}
              onKeyDown={(event) => keyDown(index, event)}
              onSelect={(event) => remember(index, event.currentTarget)}
              onFocus={(event) => remember(index, event.currentTarget)}
            />
          );
        })}
      </div>
      {disabled !== true && (
        <DynamicFieldsButton
          onPick={(expression) => {
            const at = lastCaret.current ?? value.length;
            const next = insertExpressionAt(value, at, expression);
            pendingCaret.current = next.caret;
            lastCaret.current = next.caret;
            onChange(next.text);
          }}
        />
      )}
    </div>
  );
}

function Token({
  expression,
  disabled,
  onEdit,
  onRemove,
}: {
  expression: string;
  disabled: boolean;
  onEdit: () => void;
  onRemove: () => void;
}) {
  const document = useDesigner((state) => state.document);
  const { label, named } = expressionLabel(expression, document);
  return (
    <span className={named ? "token" : "token token--raw"} data-testid="expression-token" title={expression}>
      <button type="button" className="token__label" disabled={disabled} onClick={onEdit} aria-label={`${label}: edit the expression`}>
        {label}
      </button>
      {!disabled && (
        <button type="button" className="token__remove" onClick={onRemove} aria-label={`Remove ${label}`} />
      )}
    </span>
  );
}

function RawExpression({ text, onDone }: { text: string; onDone: (text: string) => void }) {
  const [draft, setDraft] = useState(text);
  const done = useRef(false);
  const finish = (result: string) => {
    if (done.current) return;
    done.current = true;
    onDone(result);
  };
  return (
    <input
      className="token-input__raw"
      type="text"
      value={draft}
      aria-label="Expression"
      autoFocus
      onChange={(event) => setDraft(event.target.value)}
      onBlur={() => finish(draft)}
      onKeyDown={(event) => {
        if (event.key === "Enter") finish(draft);
        if (event.key === "Escape") finish(text);
      }}
    />
  );
}
