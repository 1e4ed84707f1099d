// Smoke test through server reflection: no .proto files are loaded, so this proves the server describes
// itself well enough for a generic client. Checks grpc.health.v1 and one server-streaming EchoService call.
//
//   k6 run -e TARGET=127.0.0.1:50051 k6/grpc_reflection.js
//
// Bounded (1 VU, 1 iteration, 120 s at most; generous for busy CI machines); exits non-zero (99) when any check fails or none ran.
import { check, fail } from 'k6';
import { Counter } from 'k6/metrics';
import grpc from 'k6/net/grpc';

const TARGET = __ENV.TARGET || fail('set TARGET=HOST:PORT (e.g. -e TARGET=127.0.0.1:50051)');
const WORDS = ['the', 'quick', 'brown', 'fox'];

export const options = {
    scenarios: { smoke: { executor: 'per-vu-iterations', vus: 1, iterations: 1, maxDuration: '120s' } },
    // `checks` alone passes when no check ran (e.g. connect threw), so also require that the stream finished.
    thresholds: { checks: ['rate==1.0'], smoke_completed: ['count==1'] },
};

const completed = new Counter('smoke_completed');
const client = new grpc.Client();

export default function () {
    // reflect: true fetches the descriptors from the server's reflection service at connect time.
    client.connect(TARGET, { plaintext: true, reflect: true, timeout: '60s' });  // CI machines can be busy

    const health = client.invoke('grpc.health.v1.Health/Check', { service: '' }, { timeout: '30s' });
    check(health, {
        'health: status OK': (r) => r && r.status === grpc.StatusOK,
        'health: SERVING': (r) => r && r.message && r.message.status === 'SERVING',
    });

    // Server streaming: one request, one response per word. The VU stays in the iteration until the
    // stream ends, so the checks in 'end' and 'error' run before k6 evaluates the thresholds.
    const received = [];
    const stream = new grpc.Stream(client, 'harvestry.echo.v1.EchoService/Expand', { timeout: '30s' });
    stream.on('data', (message) => received.push(message.text));
    stream.on('error', (e) => {
        check(e, { 'expand: no stream error': () => false });
        console.error(`Expand failed: ${e.code} ${e.message}`);
    });
    stream.on('end', () => {
        check(received, {
            'expand: one response per word, in order': (r) => JSON.stringify(r) === JSON.stringify(WORDS),
        });
        completed.add(1);
        client.close();
    });
    stream.write({ text: WORDS.join(' ') });
    stream.end();
}
