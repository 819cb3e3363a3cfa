#!/usr/bin/python3
"""grpc.testing.TestService on Debian's grpcio, with the gRPC interop server's flags.

    /usr/bin/python3 tests/interop/interop_server.py --port 50051

Listens on 127.0.0.1 in plaintext (HTTP/2 without TLS). --port 0 picks a free port. Once
listening it prints "listening on 127.0.0.1:<port>" on stdout.
"""

import argparse
import signal
import sys
import threading
import time
from concurrent import futures

import grpc

# Keep the source tree free of __pycache__ folders from the helper modules below.
sys.dont_write_bytecode = True

import interop_protos  # noqa: E402
import interop_wire  # noqa: E402

interop_protos.load()

from grpc.testing import empty_pb2, messages_pb2, test_pb2  # noqa: E402

ECHO_INITIAL_KEY = "x-grpc-test-echo-initial"
ECHO_TRAILING_KEY = "x-grpc-test-echo-trailing-bin"


def _payload(size: int) -> messages_pb2.Payload:
    return messages_pb2.Payload(type=messages_pb2.COMPRESSABLE, body=bytes(size))


def _echo_metadata(context) -> None:
    initial = []
    trailing = []
    for key, value in context.invocation_metadata():
        if key == ECHO_INITIAL_KEY:
            initial.append((key, value))
        elif key == ECHO_TRAILING_KEY:
            trailing.append((key, value))
    if initial:
        context.send_initial_metadata(initial)
    if trailing:
        context.set_trailing_metadata(trailing)


def _abort_if_status_requested(status, context) -> None:
    if status.code != 0:
        context.abort(interop_wire.status_code_from_int(status.code), status.message)


def _check_expected_compression(expect_compressed, arrived_compressed: bool, context) -> None:
    if expect_compressed.value and not arrived_compressed:
        context.abort(grpc.StatusCode.INVALID_ARGUMENT, "expected a compressed request message")


def _check_payload_type(response_type, context) -> None:
    if response_type != messages_pb2.COMPRESSABLE:
        context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"unsupported response type {response_type}")


class TestService:
    def EmptyCall(self, request, context):
        _echo_metadata(context)
        return empty_pb2.Empty()

    def UnaryCall(self, request, context):
        message, compressed = request
        _check_expected_compression(message.expect_compressed, compressed, context)
        _check_payload_type(message.response_type, context)
        if message.response_compressed.value:
            context.set_compression(grpc.Compression.Gzip)
        _echo_metadata(context)
        _abort_if_status_requested(message.response_status, context)
        return messages_pb2.SimpleResponse(payload=_payload(message.response_size))

    def CacheableUnaryCall(self, request, context):
        # A value that differs on every call shows whether a proxy served the answer from cache.
        context.send_initial_metadata([("cache-control", "max-age=60, public")])
        return messages_pb2.SimpleResponse(
            payload=messages_pb2.Payload(type=messages_pb2.COMPRESSABLE, body=str(time.time_ns()).encode()))

    def StreamingOutputCall(self, request, context):
        message, _ = request
        _check_payload_type(message.response_type, context)
        self._prepare_stream(context, [message])
        _abort_if_status_requested(message.response_status, context)
        yield from self._respond(message, context)

    def StreamingInputCall(self, request_iterator, context):
        total = 0
        for message, compressed in request_iterator:
            _check_expected_compression(message.expect_compressed, compressed, context)
            total += len(message.payload.body)
        _echo_metadata(context)
        return messages_pb2.StreamingInputCallResponse(aggregated_payload_size=total)

    def FullDuplexCall(self, request_iterator, context):
        # Compression must be chosen before the response headers go out, which happens before
        # the first request's parameters are known; answer every stream gzip-capable and switch
        # compression off per message.
        self._prepare_stream(context, None)
        for message, _ in request_iterator:
            _abort_if_status_requested(message.response_status, context)
            _check_payload_type(message.response_type, context)
            yield from self._respond(message, context)

    def HalfDuplexCall(self, request_iterator, context):
        buffered = [message for message, _ in request_iterator]
        self._prepare_stream(context, buffered)
        for message in buffered:
            _abort_if_status_requested(message.response_status, context)
            _check_payload_type(message.response_type, context)
            yield from self._respond(message, context)

    @staticmethod
    def _prepare_stream(context, known_requests) -> None:
        wants_compression = known_requests is None or any(
            p.compressed.value for m in known_requests for p in m.response_parameters)
        if wants_compression:
            context.set_compression(grpc.Compression.Gzip)
        _echo_metadata(context)

    @staticmethod
    def _respond(message, context):
        for parameters in message.response_parameters:
            if parameters.interval_us > 0:
                time.sleep(parameters.interval_us / 1_000_000)
            if not parameters.compressed.value:
                context.disable_next_message_compression()
            yield messages_pb2.StreamingOutputCallResponse(payload=_payload(parameters.size))


def _handlers(servicer) -> grpc.GenericRpcHandler:
    """Builds the method table from the service descriptor; UnimplementedCall is left out on
    purpose so that grpcio answers it with UNIMPLEMENTED."""
    service = test_pb2.DESCRIPTOR.services_by_name["TestService"]
    table = {}
    for method in service.methods:
        implementation = getattr(servicer, method.name, None)
        if implementation is None or method.name == "UnimplementedCall":
            continue
        request_type = getattr(messages_pb2, method.input_type.name, None) or getattr(empty_pb2, method.input_type.name)
        deserialize = interop_wire.observing_deserializer(request_type)
        if method.name == "EmptyCall":
            # Handlers that ignore compression get the bare message.
            deserialize = lambda raw, t=request_type: interop_wire.decode(t, raw)[0]  # noqa: E731
        serialize = lambda response: response.SerializeToString()  # noqa: E731
        if method.client_streaming and method.server_streaming:
            factory = grpc.stream_stream_rpc_method_handler
        elif method.client_streaming:
            factory = grpc.stream_unary_rpc_method_handler
        elif method.server_streaming:
            factory = grpc.unary_stream_rpc_method_handler
        else:
            factory = grpc.unary_unary_rpc_method_handler
        table[method.name] = factory(implementation, request_deserializer=deserialize, response_serializer=serialize)
    return grpc.method_handlers_generic_handler(service.full_name, table)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--use_tls", default="false", choices=["false", "true"])
    args = parser.parse_args()
    if args.use_tls == "true":
        print("TLS is not supported by this server; run it in plaintext", file=sys.stderr)
        return 2

    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=32),
        handlers=[_handlers(TestService())],
        options=interop_wire.NO_DECOMPRESSION_OPTIONS)
    port = server.add_insecure_port(f"127.0.0.1:{args.port}")
    if port == 0:
        print(f"cannot listen on 127.0.0.1:{args.port}", file=sys.stderr)
        return 1
    server.start()
    print(f"listening on 127.0.0.1:{port}", flush=True)

    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopped.set())
    stopped.wait()
    server.stop(grace=1).wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
