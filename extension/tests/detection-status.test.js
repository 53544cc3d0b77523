import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { detectionStatus } from '../lib/detection-status.js';

describe('detectionStatus', () => {
  const cases = [
    [{ contacts: 1, candidates: 1 }, 'Found 1 contact on this page.'],
    [{ contacts: 3, candidates: 4 }, 'Found 3 contacts on this page: choose one.'],
    [{ contacts: 0, candidates: 2 }, 'The markup on this page held no usable contact. Type the name and e-mail in.'],
    [{ contacts: 0, candidates: 0 }, 'No contact found on this page. Type the name and e-mail in.'],
    [{ contacts: 0, candidates: 0, unreadableFrames: 1 }, "No contact found on this page. Type the name and e-mail in. 1 frame from another site can't be read."],
    [{ contacts: 2, candidates: 2, unreadableFrames: 3 }, "Found 2 contacts on this page: choose one. 3 frames from other sites can't be read."],
    [{ contacts: 1, candidates: 1, unreadableFrames: 0 }, 'Found 1 contact on this page.'],
  ];
  for (const [input, expected] of cases) {
    it(JSON.stringify(input), () => assert.equal(detectionStatus(input), expected));
  }
});
