// Text a terminal shows as text: what a command prints of store or database data (an order's
// total, a hook's URL, an error an API quoted) passes through here, so that a value holding
// escape sequences (`\e[2J` clears the screen, `\e]0;...` retitles the window) cannot act on the
// reader's terminal. JSON output needs none of this: JSON.stringify escapes C0 controls itself.

// C0 controls, DEL, C1 controls (U+009B is an 8-bit CSI), and bidirectional overrides, which
// reorder what is shown.
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g
const CONTROLS_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g

/** `text` with control characters removed; newlines kept (for whole outputs made of lines). */
export function printable(text: string): string {
  return text.replace(CONTROLS_BUT_NEWLINE, (c) => (c === '\t' ? ' ' : ''))
}

/** One value on one line: control characters removed, newlines and tabs turned into spaces. */
export function printableLine(value: string): string {
  return value.replace(CONTROLS, (c) => (c === '\n' || c === '\t' || c === '\r' ? ' ' : ''))
}
