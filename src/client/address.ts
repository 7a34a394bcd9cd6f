// Where the control socket is: the -S value, else $DAEMONPROXY_SOCKET, else the documented
// default; `@name` is a Linux abstract socket, anything else a filesystem path.
// Must never touch the filesystem or the network: this only computes names.

export const DEFAULT_SOCKET_PATH = '/run/daemonproxy.sock';
export const SOCKET_ENV = 'DAEMONPROXY_SOCKET';

/** The address to use: explicit value, then the environment, then the default. */
export function resolveSocketAddress(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
	if (explicit !== undefined && explicit !== '') return explicit;
	const fromEnv = env[SOCKET_ENV];
	return fromEnv !== undefined && fromEnv !== '' ? fromEnv : DEFAULT_SOCKET_PATH;
}
