#!/usr/bin/python3
"""A small HTTP/2 client on the `h2` package (Debian's python3-h2), used by
test/interop/python-h2.test.ts as a peer nobody on this project wrote.

It sends one GET, accepts server pushes (unless --no-push), collects the
response and every pushed response, and prints one JSON object:

  {"response": {"status", "headers", "body_b64"},
   "pushes": [{"promised_stream_id", "request_headers", "status", "headers", "body_b64"}],
   "frames_order": ["push_promise:2", "response:1", "data:1", ...]}

Header names and values are octet strings, given as text one char per octet
(latin-1), in wire order, as [name, value] pairs. On failure the object also
has "error" and the exit status is 1 (2 for bad arguments). The whole exchange
is bounded by --timeout (10 s by default); the connection ends with GOAWAY.

Run it with /usr/bin/python3: the `python3` first on PATH may lack h2.
"""

import argparse
import base64
import json
import socket
import ssl
import sys
import time

import h2.config
import h2.connection
import h2.events
import h2.exceptions
import h2.settings
from h2.errors import ErrorCodes


def octets(value):
    """Header octets as text, one char per octet."""
    return value.decode('latin-1') if isinstance(value, (bytes, bytearray)) else value


def header_pairs(headers):
    return [[octets(name), octets(value)] for name, value in headers]


def status_of(headers):
    for name, value in headers:
        if octets(name) == ':status':
            return int(octets(value))
    return None


class Exchange:
    """What arrived on one stream: the page's stream or a promised one."""

    def __init__(self, request_headers=None):
        self.request_headers = request_headers
        self.status = None
        self.headers = None
        self.body = bytearray()
        self.ended = False
        self.reset = None

    def as_json(self):
        out = {
            'status': self.status,
            'headers': self.headers,
            'body_b64': base64.b64encode(bytes(self.body)).decode('ascii'),
        }
        if self.reset is not None:
            out['reset'] = self.reset
        return out


def parse_args(argv):
    p = argparse.ArgumentParser(description='GET one path over HTTP/2 with the h2 package and report every pushed response as JSON.')
    p.add_argument('host')
    p.add_argument('port', type=int)
    p.add_argument('path')
    p.add_argument('--tls', action='store_true', help='TLS with ALPN h2 (default: cleartext h2c with prior knowledge)')
    p.add_argument('--cafile', help='with --tls: verify the server against this CA (PEM) file')
    p.add_argument('--insecure', action='store_true', help='with --tls: do not verify the certificate')
    p.add_argument('--server-name', help='with --tls and --cafile: the name to verify (default: host)')
    p.add_argument('--authority', help='the :authority to send (default: host:port)')
    p.add_argument('--no-push', action='store_true', help='send SETTINGS_ENABLE_PUSH=0 in the first SETTINGS')
    p.add_argument('--timeout', type=float, default=10.0, help='bound on the whole exchange, in seconds (default 10)')
    args = p.parse_args(argv)
    if args.tls and not args.cafile and not args.insecure:
        p.error('--tls needs --cafile FILE or --insecure')
    if not args.tls and (args.cafile or args.insecure):
        p.error('--cafile and --insecure need --tls')
    return args


def connect(args, deadline):
    sock = socket.create_connection((args.host, args.port), timeout=max(0.1, deadline - time.monotonic()))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if not args.tls:
        return sock
    if args.insecure:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    else:
        context = ssl.create_default_context(cafile=args.cafile)
    context.set_alpn_protocols(['h2'])
    tls = context.wrap_socket(sock, server_hostname=args.server_name or args.host)
    alpn = tls.selected_alpn_protocol()
    if alpn != 'h2':
        tls.close()
        raise RuntimeError(f'ALPN selected {alpn!r}, not h2')
    return tls


def main(argv):
    args = parse_args(argv)
    deadline = time.monotonic() + args.timeout
    result = {'response': None, 'pushes': [], 'frames_order': []}
    order = result['frames_order']
    main_stream = None
    exchanges = {}  # stream id -> Exchange
    promised = []  # promised stream ids, in PUSH_PROMISE order
    sock = None
    conn = None

    def send_pending():
        data = conn.data_to_send()
        if data:
            sock.sendall(data)

    def finished():
        if main_stream is None:
            return False
        page = exchanges[main_stream]
        if not (page.ended or page.reset is not None):
            return False
        # Every PUSH_PROMISE precedes the END_STREAM of the page's stream
        # (RFC 9113 §8.4), so the promised streams are all known by now.
        return all(exchanges[s].ended or exchanges[s].reset is not None for s in promised)

    def on_event(event):
        if isinstance(event, h2.events.PushedStreamReceived):
            order.append(f'push_promise:{event.pushed_stream_id}')
            exchanges[event.pushed_stream_id] = Exchange(header_pairs(event.headers))
            promised.append(event.pushed_stream_id)
        elif isinstance(event, h2.events.InformationalResponseReceived):
            order.append(f'informational:{event.stream_id}')
        elif isinstance(event, h2.events.ResponseReceived):
            order.append(f'response:{event.stream_id}')
            ex = exchanges[event.stream_id]
            ex.status = status_of(event.headers)
            ex.headers = header_pairs(event.headers)
        elif isinstance(event, h2.events.DataReceived):
            order.append(f'data:{event.stream_id}')
            exchanges[event.stream_id].body += event.data
            # Give the flow-control credit back (stream and connection).
            conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
        elif isinstance(event, h2.events.TrailersReceived):
            order.append(f'trailers:{event.stream_id}')
        elif isinstance(event, h2.events.StreamEnded):
            order.append(f'end:{event.stream_id}')
            exchanges[event.stream_id].ended = True
        elif isinstance(event, h2.events.StreamReset):
            order.append(f'reset:{event.stream_id}')
            if event.stream_id in exchanges:
                exchanges[event.stream_id].reset = int(event.error_code)
        elif isinstance(event, h2.events.ConnectionTerminated):
            order.append('goaway')
            raise RuntimeError(f'server sent GOAWAY {event.error_code!r} (last stream {event.last_stream_id})')

    try:
        sock = connect(args, deadline)
        config = h2.config.H2Configuration(client_side=True, header_encoding=None)
        conn = h2.connection.H2Connection(config=config)
        if args.no_push:
            # In the very first SETTINGS frame, as browsers do: replace the
            # initial local settings rather than send a second SETTINGS.
            conn.local_settings = h2.settings.Settings(client=True, initial_values={
                h2.settings.SettingCodes.ENABLE_PUSH: 0,
                h2.settings.SettingCodes.MAX_CONCURRENT_STREAMS: 100,
                h2.settings.SettingCodes.MAX_HEADER_LIST_SIZE: conn.DEFAULT_MAX_HEADER_LIST_SIZE,
            })
        conn.initiate_connection()
        main_stream = conn.get_next_available_stream_id()
        exchanges[main_stream] = Exchange()
        authority = args.authority or f'{args.host}:{args.port}'
        conn.send_headers(main_stream, [
            (':method', 'GET'),
            (':scheme', 'https' if args.tls else 'http'),
            (':authority', authority),
            (':path', args.path),
            ('user-agent', f'h2_push_client (python-h2 {h2.__version__})'),
        ], end_stream=True)
        send_pending()

        while not finished():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f'no complete exchange within {args.timeout} s')
            sock.settimeout(remaining)
            try:
                data = sock.recv(65536)
            except TimeoutError:
                raise TimeoutError(f'no complete exchange within {args.timeout} s') from None
            if not data:
                raise RuntimeError('the server closed the connection before the exchange completed')
            for event in conn.receive_data(data):
                on_event(event)
            send_pending()

        # A clean end: GOAWAY NO_ERROR, then read until the server closes
        # (it ends the connection once no stream is left), bounded.
        conn.close_connection(error_code=ErrorCodes.NO_ERROR)
        send_pending()
        close_by = min(deadline, time.monotonic() + 2.0)
        try:
            while time.monotonic() < close_by:
                sock.settimeout(max(0.01, close_by - time.monotonic()))
                data = sock.recv(65536)
                if not data:
                    break
                conn.receive_data(data)  # after our GOAWAY: drained, not reported
        except (OSError, h2.exceptions.ProtocolError):
            pass
    except (OSError, RuntimeError, TimeoutError, h2.exceptions.ProtocolError, ssl.SSLError) as e:
        result['error'] = f'{type(e).__name__}: {e}'
    finally:
        if sock is not None:
            try:
                sock.close()
            except OSError:
                pass

    if main_stream is not None:
        result['response'] = exchanges[main_stream].as_json()
    for stream_id in promised:
        ex = exchanges[stream_id]
        result['pushes'].append({'promised_stream_id': stream_id, 'request_headers': ex.request_headers, **ex.as_json()})
    print(json.dumps(result))
    return 1 if 'error' in result else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
