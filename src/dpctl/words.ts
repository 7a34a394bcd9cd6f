// How the console splits a typed line into protocol fields: words separated by spaces (a TAB
// cannot be typed there: it completes), '…' taken literally, "…" with \" and \\ escapes, and ''
// for an empty field (empty fields are significant on the wire). Pure; no I/O.

export type SplitResult = { ok: true; words: string[] } | { ok: false; error: string };

export function splitWords(line: string): SplitResult {
	const words: string[] = [];
	let word = '';
	let inWord = false;
	for (let i = 0; i < line.length; i++) {
		const ch = line[i] ?? '';
		if (ch === ' ' || ch === '\t') {
			if (inWord) words.push(word);
			word = '';
			inWord = false;
		} else if (ch === "'") {
			const end = line.indexOf("'", i + 1);
			if (end < 0) return { ok: false, error: "unterminated quote (')" };
			word += line.slice(i + 1, end);
			inWord = true;
			i = end;
		} else if (ch === '"') {
			let j = i + 1;
			for (; j < line.length && line[j] !== '"'; j++) {
				if (line[j] === '\\' && (line[j + 1] === '"' || line[j + 1] === '\\')) j++;
				word += line[j];
			}
			if (j >= line.length) return { ok: false, error: 'unterminated quote (")' };
			inWord = true;
			i = j;
		} else {
			word += ch;
			inWord = true;
		}
	}
	if (inWord) words.push(word);
	return { ok: true, words };
}
