#!/usr/bin/env python3
"""A WebSocket peer for the JSON gateway's streaming tests (websocket-client, PyPI).

    ws_client.py URL [--header "Name: value"]... [MESSAGE...]

Sends each MESSAGE as a text message, then an empty text message (the end of the requests), and prints every text
message received, one a line, then `CLOSE <code> <reason>` when the server closes. Exits 2 if the server does not
close within 20 s.
"""
import sys

import websocket


def main() -> int:
    args = sys.argv[1:]
    url, headers, messages = args[0], [], []
    rest = args[1:]
    while rest:
        if rest[0] == "--header":
            headers.append(rest[1])
            rest = rest[2:]
        else:
            messages.append(rest[0])
            rest = rest[1:]
    ws = websocket.create_connection(url, header=headers, timeout=20)
    upgrade = ws.getheaders() or {}
    print("REQUEST-ID", upgrade.get("x-request-id", ""), flush=True)
    for message in messages:
        ws.send(message)
    ws.send("")
    try:
        while True:
            opcode, data = ws.recv_data(control_frame=True)
            if opcode == websocket.ABNF.OPCODE_TEXT:
                print(data.decode("utf-8"), flush=True)
            elif opcode == websocket.ABNF.OPCODE_CLOSE:
                code = int.from_bytes(data[:2], "big") if len(data) >= 2 else 0
                print("CLOSE", code, data[2:].decode("utf-8"), flush=True)
                return 0
    except websocket.WebSocketTimeoutException:
        print("TIMEOUT", flush=True)
        return 2
    except websocket.WebSocketConnectionClosedException:
        print("CLOSE 0 (connection closed)", flush=True)
        return 0


if __name__ == "__main__":
    sys.exit(main())
