// Owns the `service.tree` reply line (daemonproxy(8), service.tree): one formatter for the daemon,
// one parser for clients. Invariants: the formatter returns one line without LF; the parser never
// throws and answers null for any other line. Must never import anything outside src/protocol.

/** A service's process tree as `service.tree` reports it; null = unknown. */
export interface TreeLine {
	readonly name: string;
	/** The service's cgroup directory; null without cgroups. */
	readonly cgroup: string | null;
	/** CPU time of the whole tree (cgroup cpu.stat usage_usec), in microseconds. */
	readonly cpuUsec: number | null;
	/** Memory of the whole tree (memory.current), in bytes; null without the memory controller. */
	readonly memoryBytes: number | null;
	/** The live processes of the tree, ascending. */
	readonly pids: readonly number[];
}

const dash = (v: string | number | null): string => (v === null ? '-' : String(v));

/** `service.tree\tNAME\tCGROUP\tCPU_USEC\tMEMORY_BYTES\tPID…`, `-` for unknown. */
export function formatTreeLine(t: TreeLine): string {
	return ['service.tree', t.name, dash(t.cgroup), dash(t.cpuUsec), dash(t.memoryBytes), ...t.pids].join('\t');
}

const INT_RE = /^[0-9]{1,15}$/;

function num(field: string | undefined): number | null {
	return field !== undefined && INT_RE.test(field) ? Number(field) : null;
}

export function parseTreeLine(line: string): TreeLine | null {
	if (!line.startsWith('service.tree\t')) return null;
	const [, name = '', cgroup = '-', cpu, memory, ...pids] = line.split('\t');
	return {
		name,
		cgroup: cgroup === '-' ? null : cgroup,
		cpuUsec: num(cpu),
		memoryBytes: num(memory),
		pids: pids.flatMap(p => num(p) ?? []),
	};
}
