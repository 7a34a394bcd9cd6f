// The client library example of the README (kept identical to it by test/integration/readme.test.ts).
import { connect } from 'daemonproxy/client';

// $DAEMONPROXY_SOCKET, else /run/daemonproxy.sock; connect(path) names another one.
const client = await connect(undefined, { signal: AbortSignal.timeout(5000) });
try {
	await client.serviceArgs('ticker', ['/bin/sh', '-c', 'while sleep 1; do :; done']);
	await client.serviceAutoUp('ticker', 1, ['always']);
	await client.startAndWait(['ticker'], { signal: AbortSignal.timeout(10_000) });
	const { snapshot } = await client.statedump();
	console.log('ticker is up as pid', snapshot.services.get('ticker')?.pid);
	let seen = 0;
	for await (const item of client.events(['service.state'], { signal: AbortSignal.timeout(30_000) })) {
		if (item.kind === 'event') console.log(item.line.split('\t').slice(1, 4).join(' '));
		if (++seen === 3) break;
	}
} finally {
	client.close();
}
