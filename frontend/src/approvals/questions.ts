// The questions a request asks besides its options, while the approver answers them: which go
// with an option, what a required one still lacks, what is sent, and how an answer reads.

import type { AnswerValue, Answers, ApprovalQuestion } from "./api";

/** The values chosen so far, by question id (a list even where one value is allowed). */
export type Chosen = Record<string, string[]>;

/** Whether the question is asked with this option (one that names no options goes with all). */
export function askedWith(question: ApprovalQuestion, option: string): boolean {
  return question.forOptions === null || question.forOptions.includes(option);
}

/** What the form opens with: each question's default. */
export function initialChoices(questions: ApprovalQuestion[]): Chosen {
  return Object.fromEntries(questions.map((question) => [question.id, [...question.default]]));
}

/** The first required question asked with the option that has no answer yet, or null. */
export function missingAnswer(questions: ApprovalQuestion[], option: string, chosen: Chosen): ApprovalQuestion | null {
  return (
    questions.find(
      (question) => question.required && askedWith(question, option) && (chosen[question.id] ?? []).length === 0,
    ) ?? null
  );
}

/** What is sent with the option: the answers to the questions asked with it. */
export function answersFor(questions: ApprovalQuestion[], option: string, chosen: Chosen): Answers {
  const answers: Answers = {};
  for (const question of questions) {
    if (!askedWith(question, option)) continue;
    const values = chosen[question.id] ?? [];
    answers[question.id] = question.multiple ? values : (values[0] ?? null);
  }
  return answers;
}

/** An answer as the approver reads it: the chosen choices' titles. */
export function answerText(question: ApprovalQuestion, value: AnswerValue): string {
  const values = value === null ? [] : Array.isArray(value) ? value : [value];
  if (values.length === 0) return "no answer";
  const titles = new Map(question.choices.map((choice) => [choice.value, choice.title]));
  return values.map((item) => titles.get(item) ?? item).join(", ");
}

/** The answers given, each with its question, in the order the questions are asked. */
export function answeredQuestions(
  questions: ApprovalQuestion[],
  answers: Answers,
): { question: ApprovalQuestion; text: string }[] {
  return questions
    .filter((question) => question.id in answers)
    .map((question) => ({ question, text: answerText(question, answers[question.id] ?? null) }));
}
