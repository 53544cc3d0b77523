import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { composeMessage, greetingName } from '../lib/message-text.js';

const url = 'https://schedlink.example.com/b/abc123';

describe('composeMessage ("Copy as message")', () => {
  it('matches the documented text', () => {
    assert.equal(
      composeMessage({ name: 'Ada Lovelace', summary: 'Interview: Senior Engineer', duration: 45, url }),
      `Hi Ada, please pick a time for Interview: Senior Engineer (45 min) here: ${url}`,
    );
  });
  it('works without a name', () => {
    assert.equal(composeMessage({ name: '', summary: 'Meeting', duration: 30, url }), `Hi, please pick a time for Meeting (30 min) here: ${url}`);
    assert.equal(composeMessage({ summary: 'Meeting', duration: 30, url }), `Hi, please pick a time for Meeting (30 min) here: ${url}`);
  });
  it('falls back for a missing summary and duration', () => {
    assert.equal(composeMessage({ name: 'Ada', url }), `Hi Ada, please pick a time for a meeting here: ${url}`);
  });
  it('keeps page-provided text on one line, without control or bidi characters', () => {
    const text = composeMessage({
      name: 'Ada\r\nBcc: evil@example.com',
      summary: 'Chat\u202Egnp.exe\u0007\nP.S. click http://evil.example',
      duration: 30,
      url,
    });
    assert.equal(text.includes('\n'), false);
    assert.equal(text.includes('\r'), false);
    assert.equal(/[\u202A-\u202E\u0000-\u001F]/.test(text), false);
    assert.ok(text.startsWith('Hi Ada, please pick a time for Chat gnp.exe P.S.'));
  });
  it('refuses a non-http link', () => {
    assert.throws(() => composeMessage({ name: 'A', url: 'javascript:alert(1)' }), TypeError);
  });
});

describe('greetingName', () => {
  const cases = [
    ['Ada Lovelace', 'Ada'],
    ['  Ada   Lovelace ', 'Ada'],
    ['Lovelace, Ada', 'Ada'],
    ['Dr. Ada Lovelace', 'Ada'],
    ['Prof Grace Hopper', 'Grace'],
    ['Dr.', 'Dr.'],
    ['Cher', 'Cher'],
    ['', ''],
    [null, ''],
    ['Lovelace,', 'Lovelace'],
  ];
  for (const [name, expected] of cases) {
    it(`${JSON.stringify(name)} → ${JSON.stringify(expected)}`, () => assert.equal(greetingName(name), expected));
  }
});
