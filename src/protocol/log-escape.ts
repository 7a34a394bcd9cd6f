// Owns how text reaches the daemon's log (daemonproxy(8), LOGGING): every byte below 0x20, DEL,
// the C1 controls (U+0080–U+009F) and bytes that are not part of valid UTF-8 are written as
// visible escapes, and so is the backslash itself, so that no peer-supplied byte (a command line,
// a name, a path) can move a terminal's cursor, end a line or fake another one, whether the
// terminal reads UTF-8 or 8-bit controls, and every escape reads back unambiguously. Valid UTF-8
// text passes unchanged. Log text only: wire replies keep the bytes as 1.1.
// Text is latin1 (one char per byte), as everywhere in the daemon.

const NEEDS_ESCAPE_RE = /[\x00-\x1f\x7f-\xff\\]/;
const ASCII_ONLY_ESCAPE_RE = /[\x00-\x1f\x7f\\]/g;

const NAMED: Readonly<Record<string, string>> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeByte(char: string): string {
	return NAMED[char] ?? `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`;
}

/**
 * Length of the valid UTF-8 sequence at `i` (2–4) whose code point is not a C1 control, else 0
 * (an invalid, overlong or surrogate sequence, a lone byte, or U+0080–U+009F).
 */
function printableSequenceAt(text: string, i: number): number {
	const lead = text.charCodeAt(i);
	const cont = (k: number, low = 0x80, high = 0xbf): boolean => {
		const c = text.charCodeAt(i + k);
		return c >= low && c <= high;
	};
	if (lead === 0xc2) return cont(1, 0xa0) ? 2 : 0; // C2 80–9F are the C1 controls
	if (lead >= 0xc3 && lead <= 0xdf) return cont(1) ? 2 : 0;
	if (lead === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
	if (lead === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
	if (lead >= 0xe1 && lead <= 0xef) return cont(1) && cont(2) ? 3 : 0;
	if (lead === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
	if (lead >= 0xf1 && lead <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
	if (lead === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
	return 0;
}

/**
 * `text` with `\` as `\\`, LF, CR and TAB as `\n`, `\r`, `\t`, and every other control byte, C1
 * control and byte outside valid UTF-8 as `\xHH`.
 */
export function escapeLogText(text: string): string {
	if (!NEEDS_ESCAPE_RE.test(text)) return text;
	if (!/[\x80-\xff]/.test(text)) return text.replace(ASCII_ONLY_ESCAPE_RE, escapeByte);
	let out = '';
	for (let i = 0; i < text.length;) {
		const code = text.charCodeAt(i);
		if (code >= 0x80 && code <= 0xff) {
			const length = printableSequenceAt(text, i);
			if (length > 0) {
				out += text.slice(i, i + length);
				i += length;
				continue;
			}
		}
		const char = text[i] as string;
		out += code < 0x20 || (code >= 0x7f && code <= 0xff) || char === '\\' ? escapeByte(char) : char;
		i++;
	}
	return out;
}
