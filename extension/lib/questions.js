// The popup's booking questions and the host's phone number, kept free of the DOM so they
// can be unit-tested. The rules are the server's (backend/scheduling/questions.py and
// places.py); these checks only catch slips before a round trip, and the server's 422
// field errors come back to the same inputs.

import { MAX_QUESTIONS } from './messages.js';

// The dashboard's words for the API's types (backend/scheduling/link_form.py), so a
// question made in either place reads the same.
export const QUESTION_TYPES = Object.freeze({
  text: 'Short text',
  textarea: 'Long text',
  choice: 'One choice',
  choices: 'Several choices',
  phone: 'Phone number',
  checkbox: 'Checkbox',
});
export const CHOICE_TYPES = new Set(['choice', 'choices']);
// A few rows fit the popup (the message router takes no more); the dashboard's New link
// takes up to 20, the API's limit.
export const MAX_POPUP_QUESTIONS = MAX_QUESTIONS;
export const QUESTION_LIMITS = Object.freeze({ label: 200, choices: 30, choice: 200 });
export const MAX_GUESTS = 20;
export const DEFAULT_MAX_GUESTS = 3;

/** A new, empty question row. */
export function blankQuestion() {
  return { label: '', type: 'text', required: false, choices: '' };
}

/** The input ids of row `i` (the popup renders rows with these). */
export const questionIds = (i) => ({
  label: `q-${i}-label`,
  type: `q-${i}-type`,
  required: `q-${i}-required`,
  choices: `q-${i}-choices`,
});

/**
 * The rows as the API's `questions`, and for each question sent the row it came from (the
 * server names a problem by its index among those sent). A row with nothing typed is left
 * out, as on the dashboard. `add(inputId, message)` collects the problems.
 * @returns {{questions: object[], rows: number[]}}
 */
export function buildQuestions(rows, add) {
  const questions = [];
  const sent = [];
  const list = Array.isArray(rows) ? rows.slice(0, MAX_POPUP_QUESTIONS) : [];
  list.forEach((row, i) => {
    const ids = questionIds(i);
    const label = String(row?.label ?? '').trim();
    const choicesText = String(row?.choices ?? '');
    const type = String(row?.type ?? 'text');
    const required = row?.required === true;
    const choiceType = CHOICE_TYPES.has(type);
    if (!label && !required && !(choiceType && choicesText.trim())) return;
    let ok = true;
    const fail = (id, message) => {
      add(id, message);
      ok = false;
    };
    if (!label) fail(ids.label, 'Each question needs a label.');
    else if (label.length > QUESTION_LIMITS.label) fail(ids.label, `Keep labels to ${QUESTION_LIMITS.label} characters.`);
    if (!Object.hasOwn(QUESTION_TYPES, type)) fail(ids.type, 'Choose a kind of answer from the list.');
    const question = { label, type, required };
    if (choiceType) {
      const choices = choicesText.split(',').map((c) => c.trim()).filter(Boolean);
      if (!choices.length) fail(ids.choices, 'A choice question needs choices, separated by commas.');
      else if (choices.length > QUESTION_LIMITS.choices) fail(ids.choices, `Give at most ${QUESTION_LIMITS.choices} choices.`);
      else if (choices.some((c) => c.length > QUESTION_LIMITS.choice)) fail(ids.choices, `Keep each choice to ${QUESTION_LIMITS.choice} characters.`);
      else if (new Set(choices).size !== choices.length) fail(ids.choices, 'Each choice may be given once.');
      question.choices = choices;
    }
    if (ok) {
      questions.push(question);
      sent.push(i);
    }
  });
  return { questions, rows: sent };
}

const SERVER_QUESTION_FIELD = /^questions\.(\d+)(?:\.(label|type|required|choices))?$/;

/**
 * The input showing a server error on `questions.<j>.<field>` (`rows`: buildQuestions'
 * rows), or null when it names no row the popup sent.
 */
export function questionInput(field, rows) {
  const match = SERVER_QUESTION_FIELD.exec(field);
  if (!match) return null;
  const row = rows?.[Number(match[1])];
  if (row === undefined) return null;
  const ids = questionIds(row);
  return match[2] === 'choices' ? ids.choices : match[2] === 'type' || match[2] === 'required' ? ids.type : ids.label;
}

/** `max_guests` from the typed text: a whole number 0–20, or null (not a number). */
export function parseMaxGuests(raw) {
  const s = String(raw ?? '').trim();
  if (!/^\d{1,3}$/.test(s)) return null;
  const n = Number(s);
  return n <= MAX_GUESTS ? n : null;
}

// The server's words (backend/scheduling/questions.py PHONE_HELP).
export const PHONE_HELP = 'Please enter a phone number with its country code, like +44 20 7946 0958.';
const PHONE_CHARS = /^(?:\+|00)[\d\s().\-/]+$/;

/**
 * A phone number the server may take: with its country code (+44 … or 0044 …), phone
 * punctuation only, 7 to 15 digits (E.164's most). The server checks the number itself
 * (libphonenumber) and its answer comes back to the same field. Returns the trimmed text,
 * or null.
 */
export function phoneNumber(raw) {
  const s = String(raw ?? '').trim();
  if (!s || s.length > 40 || !PHONE_CHARS.test(s)) return null;
  const digits = s.replace(/\D/g, '').slice(s.startsWith('00') ? 2 : 0);
  // Country codes never start with 0.
  return digits.length >= 7 && digits.length <= 15 && digits[0] !== '0' ? s : null;
}
