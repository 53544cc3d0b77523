// schedlink UI Elements: each element is a function taking Cronofy-compatible options.
export { VERSION } from './common.js';
export { SlotPicker } from './slot-picker.js';
export { AvailabilityViewer } from './availability-viewer.js';
export { AvailabilityRules } from './availability-rules.js';
