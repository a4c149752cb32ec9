/**
 * Characters a name or description may not hold: C0/C1 controls (NUL included) and the
 * bidirectional formatting marks that make text display differently from what it is
 * (U+061C, U+200E/F, U+202A–U+202E, U+2066–U+2069). Patterns are JSON Schema strings.
 */
const HIDDEN = '\\u007f-\\u009f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069'

/** One line of plain text: no control characters at all. */
export const SINGLE_LINE_TEXT = `^[^\\u0000-\\u001f${HIDDEN}]*$`

/** Plain text that may span lines: tab, LF and CR allowed, every other control refused. */
export const MULTILINE_TEXT = `^[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f${HIDDEN}]*$`

export const TEXT_PATTERN_MESSAGE = 'must not contain control characters (NUL, C0/C1) or bidirectional formatting marks'
