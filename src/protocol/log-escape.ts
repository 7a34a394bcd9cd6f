// Owns how text reaches the daemon's log (daemonproxy(8), LOGGING): every byte below 0x20, DEL
// and the backslash itself are written as visible escapes, so that no peer-supplied byte (a
// command line, a name, a path) can move a terminal's cursor, end a line or fake another one,
// and every escape reads back unambiguously. Log text only: wire replies keep the bytes as 1.1.

const NEEDS_ESCAPE_RE = /[\x00-\x1f\x7f\\]/;
const ESCAPE_ALL_RE = /[\x00-\x1f\x7f\\]/g;

const NAMED: Readonly<Record<string, string>> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeOne(char: string): string {
	return NAMED[char] ?? `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`;
}

/** `text` with `\` as `\\`, LF, CR and TAB as `\n`, `\r`, `\t`, and other controls as `\xHH`. */
export function escapeLogText(text: string): string {
	return NEEDS_ESCAPE_RE.test(text) ? text.replace(ESCAPE_ALL_RE, escapeOne) : text;
}
