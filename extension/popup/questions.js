// The popup's question rows under "More options": add, edit, remove. The rows live in
// `rows` (plain data, read by lib/form.js's buildLinkRequest) and are drawn again from it
// when one is added or removed; typing only updates the data. Words as on the
// dashboard's New link.

import { blankQuestion, CHOICE_TYPES, MAX_POPUP_QUESTIONS, QUESTION_TYPES, questionIds } from '../lib/questions.js';
import { clear, el, setFieldError } from '../lib/ui.js';

/**
 * @param {{list: HTMLElement, add: HTMLButtonElement, onChange: () => void}} parts
 */
export function questionEditor({ list, add, onChange }) {
  const rows = [];

  const errorBox = (id) => el('p', { id: `${id}-error`, className: 'field-error', hidden: true });

  function row(q, i) {
    const ids = questionIds(i);
    const number = i + 1;
    const changed = (key, read) => (event) => {
      q[key] = read(event.target);
      setFieldError(event.target, null);
      onChange();
    };
    const choicesField = el('div', { className: 'field q-choices', hidden: !CHOICE_TYPES.has(q.type) }, [
      el('label', { htmlFor: ids.choices }, ['Choices ', el('span', { className: 'muted', text: '(comma-separated)' })]),
      el('input', {
        id: ids.choices, type: 'text', value: q.choices, maxLength: 2000, autocomplete: 'off',
        attrs: { 'aria-describedby': `${ids.choices}-error` },
        on: { input: changed('choices', (t) => t.value) },
      }),
    ]);
    const type = el('select', {
      id: ids.type,
      attrs: { 'aria-describedby': `${ids.type}-error` },
      on: {
        change: (event) => {
          changed('type', (t) => t.value)(event);
          choicesField.hidden = !CHOICE_TYPES.has(q.type);
        },
      },
    }, Object.entries(QUESTION_TYPES).map(([value, text]) => el('option', { value, text, selected: q.type === value })));
    return el('div', { className: 'question', dataset: { row: String(i) } }, [
      el('div', { className: 'q-line' }, [
        el('div', { className: 'field' }, [
          el('label', { htmlFor: ids.label, text: `Question ${number}` }),
          el('input', {
            id: ids.label, type: 'text', value: q.label, maxLength: 200, autocomplete: 'off',
            attrs: { 'aria-describedby': `${ids.label}-error` },
            on: { input: changed('label', (t) => t.value) },
          }),
        ]),
        el('div', { className: 'field' }, [el('label', { htmlFor: ids.type, text: 'Answer' }), type]),
      ]),
      errorBox(ids.label),
      errorBox(ids.type),
      choicesField,
      errorBox(ids.choices),
      el('div', { className: 'q-foot' }, [
        el('span', { className: 'check' }, [
          el('input', {
            type: 'checkbox', id: ids.required, checked: q.required,
            on: { change: changed('required', (t) => t.checked) },
          }),
          el('label', { htmlFor: ids.required, text: 'Required' }),
        ]),
        el('button', {
          type: 'button', className: 'link-button q-remove', text: 'Remove',
          attrs: { 'aria-label': `Remove question ${number}` },
          on: { click: () => remove(i) },
        }),
      ]),
    ]);
  }

  function draw() {
    clear(list);
    rows.forEach((q, i) => list.append(row(q, i)));
    add.hidden = rows.length >= MAX_POPUP_QUESTIONS;
    onChange();
  }

  function remove(i) {
    rows.splice(i, 1);
    draw();
    // Focus stays in the list: the row that took this one's place, else "Add a question".
    const next = document.getElementById(questionIds(Math.min(i, rows.length - 1)).label);
    (next && rows.length ? next : add).focus();
  }

  add.addEventListener('click', () => {
    if (rows.length >= MAX_POPUP_QUESTIONS) return;
    rows.push(blankQuestion());
    draw();
    document.getElementById(questionIds(rows.length - 1).label).focus();
  });

  return {
    rows,
    /** Every input of every row that can carry an error. */
    inputIds: () => rows.flatMap((_, i) => {
      const ids = questionIds(i);
      return [ids.label, ids.type, ids.choices];
    }),
  };
}
