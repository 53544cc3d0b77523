// The popup's one-line account of what detection found on the page.

/**
 * @param {{contacts: number, candidates: number, unreadableFrames?: number}} o
 * @returns {string}
 */
export function detectionStatus({ contacts, candidates, unreadableFrames = 0 }) {
  let text;
  if (contacts === 1) text = 'Found 1 contact on this page.';
  else if (contacts > 1) text = `Found ${contacts} contacts on this page: choose one.`;
  else if (candidates > 0) text = 'The markup on this page held no usable contact. Type the name and e-mail in.';
  else text = 'No contact found on this page. Type the name and e-mail in.';
  // Browsers keep another site's frame closed to extensions that have only activeTab; say so,
  // or a contact visible there looks like a detection bug.
  if (unreadableFrames === 1) text += " 1 frame from another site can't be read.";
  else if (unreadableFrames > 1) text += ` ${unreadableFrames} frames from other sites can't be read.`;
  return text;
}
