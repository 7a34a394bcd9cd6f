// Error texts of this implementation that 1.1 did not have: for its extensions, and for the
// 1.1 accidents it fixes (daemonproxy(8), COMPATIBILITY). The 1.1 texts live in
// protocol/replies.ts. Messages start lower case and never change meaning once released.

export const EXT_MSG = {
	negativeCount: 'invalid count (must be 0 or more)',
	sameNameTwice: 'read and write ends need different names',
	internalError: 'internal error (see the daemon log)',
} as const;

export function cannotExecute(program: string, reason: string): string {
	return `cannot execute "${program}": ${reason}`;
}
