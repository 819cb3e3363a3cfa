#!/usr/bin/python3
"""The gRPC interop test cases as a grpcio client, with the gRPC interop client's flags.

    /usr/bin/python3 tests/interop/interop_client.py --server_host 127.0.0.1 --server_port 50051 --test_case large_unary

Exit code 0 when the case passes; otherwise 1 and the reason on stderr.
"""

import argparse
import queue
import sys

import grpc

# Keep the source tree free of __pycache__ folders from the helper modules below.
sys.dont_write_bytecode = True

import interop_protos  # noqa: E402
import interop_wire  # noqa: E402

interop_protos.load()

from grpc.testing import empty_pb2, messages_pb2, test_pb2, test_pb2_grpc  # noqa: E402

# Generous: the cases run on a loaded 2-core machine, and a hung case must still end.
CALL_TIMEOUT_SECONDS = 60

ECHO_INITIAL = ("x-grpc-test-echo-initial", "test_initial_metadata_value")
ECHO_TRAILING = ("x-grpc-test-echo-trailing-bin", b"\xab\xab\xab")
SPECIAL_STATUS_MESSAGE = "\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \U0001f608\t\n"


class CaseFailed(Exception):
    pass


def expect(condition: bool, description: str) -> None:
    if not condition:
        raise CaseFailed(description)


def expect_zero_payload(payload, size: int, what: str) -> None:
    expect(len(payload.body) == size, f"{what}: payload is {len(payload.body)} bytes, expected {size}")
    expect(payload.body == bytes(size), f"{what}: payload body is not all zeros")


def expect_rpc_error(error: grpc.RpcError, code: grpc.StatusCode, message=None) -> None:
    expect(error.code() == code, f"status {error.code()} ({error.details()!r}), expected {code}")
    if message is not None:
        expect(error.details() == message, f"status message {error.details()!r}, expected {message!r}")


def zeros(size: int) -> messages_pb2.Payload:
    return messages_pb2.Payload(body=bytes(size))


def method_path(service: str, method: str) -> str:
    descriptor = test_pb2.DESCRIPTOR.services_by_name[service].methods_by_name[method]
    return f"/{descriptor.containing_service.full_name}/{descriptor.name}"


class RequestPipe:
    """A request iterator the case feeds one message at a time, for ping-pong style streams."""

    _END = object()

    def __init__(self):
        self._items = queue.Queue()

    def add(self, item) -> None:
        self._items.put(item)

    def close(self) -> None:
        self._items.put(self._END)

    def __iter__(self):
        return self

    def __next__(self):
        item = self._items.get()
        if item is self._END:
            raise StopIteration
        return item


class Cases:
    def __init__(self, channel: grpc.Channel, observing_channel: grpc.Channel):
        self.stub = test_pb2_grpc.TestServiceStub(channel)
        self.unimplemented_stub = test_pb2_grpc.UnimplementedServiceStub(channel)
        # Calls whose per-message compression flags the case must see or control.
        serialize = lambda m: m.SerializeToString()  # noqa: E731
        self.observed_unary = observing_channel.unary_unary(
            method_path("TestService", "UnaryCall"), request_serializer=serialize,
            response_deserializer=interop_wire.observing_deserializer(messages_pb2.SimpleResponse))
        self.observed_output_stream = observing_channel.unary_stream(
            method_path("TestService", "StreamingOutputCall"), request_serializer=serialize,
            response_deserializer=interop_wire.observing_deserializer(messages_pb2.StreamingOutputCallResponse))
        self.flagged_input_stream = observing_channel.stream_unary(
            method_path("TestService", "StreamingInputCall"),
            request_serializer=lambda pair: pair[0].SerializeToString() if pair[1]
            else interop_wire.UncompressedBytes(pair[0].SerializeToString()),
            response_deserializer=messages_pb2.StreamingInputCallResponse.FromString)

    def empty_unary(self):
        response = self.stub.EmptyCall(empty_pb2.Empty(), timeout=CALL_TIMEOUT_SECONDS)
        expect(isinstance(response, empty_pb2.Empty), "response is not an Empty message")

    def large_unary(self):
        request = messages_pb2.SimpleRequest(response_size=314159, payload=zeros(271828))
        response = self.stub.UnaryCall(request, timeout=CALL_TIMEOUT_SECONDS)
        expect_zero_payload(response.payload, 314159, "response")

    def client_compressed_unary(self):
        def request(expect_compressed: bool):
            return messages_pb2.SimpleRequest(
                expect_compressed=messages_pb2.BoolValue(value=expect_compressed),
                response_size=314159, payload=zeros(271828))

        try:
            self.stub.UnaryCall(request(True), timeout=CALL_TIMEOUT_SECONDS)
            raise CaseFailed("probe: an uncompressed request marked expect_compressed succeeded")
        except grpc.RpcError as error:
            expect_rpc_error(error, grpc.StatusCode.INVALID_ARGUMENT)
        response = self.stub.UnaryCall(request(True), timeout=CALL_TIMEOUT_SECONDS, compression=grpc.Compression.Gzip)
        expect_zero_payload(response.payload, 314159, "compressed request's response")
        response = self.stub.UnaryCall(request(False), timeout=CALL_TIMEOUT_SECONDS)
        expect_zero_payload(response.payload, 314159, "uncompressed request's response")

    def server_compressed_unary(self):
        for compressed in (True, False):
            request = messages_pb2.SimpleRequest(
                response_compressed=messages_pb2.BoolValue(value=compressed),
                response_size=314159, payload=zeros(271828))
            response, arrived_compressed = self.observed_unary(request, timeout=CALL_TIMEOUT_SECONDS)
            expect(arrived_compressed == compressed,
                   f"response_compressed={compressed} but the response compressed flag was {arrived_compressed}")
            expect_zero_payload(response.payload, 314159, f"response (compressed={compressed})")

    def client_streaming(self):
        sizes = (27182, 8, 1828, 45904)
        requests = (messages_pb2.StreamingInputCallRequest(payload=zeros(size)) for size in sizes)
        response = self.stub.StreamingInputCall(requests, timeout=CALL_TIMEOUT_SECONDS)
        expect(response.aggregated_payload_size == 74922,
               f"aggregated_payload_size {response.aggregated_payload_size}, expected 74922")

    def client_compressed_streaming(self):
        def request(expect_compressed: bool, size: int):
            return messages_pb2.StreamingInputCallRequest(
                expect_compressed=messages_pb2.BoolValue(value=expect_compressed), payload=zeros(size))

        try:
            self.flagged_input_stream(iter([(request(True, 27182), False)]), timeout=CALL_TIMEOUT_SECONDS)
            raise CaseFailed("probe: an uncompressed message marked expect_compressed was accepted")
        except grpc.RpcError as error:
            expect_rpc_error(error, grpc.StatusCode.INVALID_ARGUMENT)
        response = self.flagged_input_stream(
            iter([(request(True, 27182), True), (request(False, 45904), False)]),
            timeout=CALL_TIMEOUT_SECONDS, compression=grpc.Compression.Gzip)
        expect(response.aggregated_payload_size == 73086,
               f"aggregated_payload_size {response.aggregated_payload_size}, expected 73086")

    def server_streaming(self):
        sizes = (31415, 9, 2653, 58979)
        request = messages_pb2.StreamingOutputCallRequest(
            response_parameters=[messages_pb2.ResponseParameters(size=size) for size in sizes])
        responses = list(self.stub.StreamingOutputCall(request, timeout=CALL_TIMEOUT_SECONDS))
        expect(len(responses) == len(sizes), f"{len(responses)} responses, expected {len(sizes)}")
        for index, (response, size) in enumerate(zip(responses, sizes)):
            expect_zero_payload(response.payload, size, f"response {index}")

    def server_compressed_streaming(self):
        plan = ((True, 31415), (False, 92653))
        request = messages_pb2.StreamingOutputCallRequest(response_parameters=[
            messages_pb2.ResponseParameters(size=size, compressed=messages_pb2.BoolValue(value=compressed))
            for compressed, size in plan])
        responses = list(self.observed_output_stream(request, timeout=CALL_TIMEOUT_SECONDS))
        expect(len(responses) == len(plan), f"{len(responses)} responses, expected {len(plan)}")
        for index, ((response, arrived_compressed), (compressed, size)) in enumerate(zip(responses, plan)):
            expect(arrived_compressed == compressed,
                   f"response {index}: compressed flag {arrived_compressed}, expected {compressed}")
            expect_zero_payload(response.payload, size, f"response {index}")

    def ping_pong(self):
        steps = ((31415, 27182), (9, 8), (2653, 1828), (58979, 45904))
        pipe = RequestPipe()
        responses = self.stub.FullDuplexCall(pipe, timeout=CALL_TIMEOUT_SECONDS)
        for index, (response_size, request_size) in enumerate(steps):
            pipe.add(messages_pb2.StreamingOutputCallRequest(
                response_parameters=[messages_pb2.ResponseParameters(size=response_size)],
                payload=zeros(request_size)))
            response = next(responses, None)
            expect(response is not None, f"stream ended before response {index}")
            expect_zero_payload(response.payload, response_size, f"response {index}")
        pipe.close()
        expect(next(responses, None) is None, "the server sent more than four responses")
        expect(responses.code() == grpc.StatusCode.OK, f"call ended with {responses.code()}")

    def empty_stream(self):
        responses = list(self.stub.FullDuplexCall(iter([]), timeout=CALL_TIMEOUT_SECONDS))
        expect(not responses, f"{len(responses)} responses, expected none")

    def cancel_after_begin(self):
        pipe = RequestPipe()
        future = self.stub.StreamingInputCall.future(pipe, timeout=CALL_TIMEOUT_SECONDS)
        future.cancel()
        expect(future.cancelled(), "the call was not cancelled")
        expect(future.code() == grpc.StatusCode.CANCELLED, f"status {future.code()}, expected CANCELLED")
        pipe.close()

    def cancel_after_first_response(self):
        pipe = RequestPipe()
        responses = self.stub.FullDuplexCall(pipe, timeout=CALL_TIMEOUT_SECONDS)
        pipe.add(messages_pb2.StreamingOutputCallRequest(
            response_parameters=[messages_pb2.ResponseParameters(size=31415)], payload=zeros(27182)))
        first = next(responses)
        expect_zero_payload(first.payload, 31415, "first response")
        responses.cancel()
        try:
            next(responses)
            raise CaseFailed("the stream kept delivering after cancellation")
        except grpc.RpcError as error:
            expect_rpc_error(error, grpc.StatusCode.CANCELLED)
        finally:
            pipe.close()

    def timeout_on_sleeping_server(self):
        pipe = RequestPipe()
        responses = self.stub.FullDuplexCall(pipe, timeout=0.001)
        pipe.add(messages_pb2.StreamingOutputCallRequest(payload=zeros(27182)))
        try:
            next(responses)
            raise CaseFailed("the server answered although the deadline had passed")
        except grpc.RpcError as error:
            expect_rpc_error(error, grpc.StatusCode.DEADLINE_EXCEEDED)
        finally:
            pipe.close()

    def custom_metadata(self):
        metadata = (ECHO_INITIAL, ECHO_TRAILING)

        def check(initial, trailing, what):
            expect(ECHO_INITIAL in tuple(initial or ()), f"{what}: initial metadata {initial} lacks {ECHO_INITIAL}")
            expect(ECHO_TRAILING in tuple(trailing or ()), f"{what}: trailing metadata {trailing} lacks {ECHO_TRAILING}")

        request = messages_pb2.SimpleRequest(response_size=314159, payload=zeros(271828))
        response, call = self.stub.UnaryCall.with_call(request, metadata=metadata, timeout=CALL_TIMEOUT_SECONDS)
        expect_zero_payload(response.payload, 314159, "unary response")
        check(call.initial_metadata(), call.trailing_metadata(), "UnaryCall")

        stream_request = messages_pb2.StreamingOutputCallRequest(
            response_parameters=[messages_pb2.ResponseParameters(size=314159)], payload=zeros(271828))
        responses = self.stub.FullDuplexCall(iter([stream_request]), metadata=metadata, timeout=CALL_TIMEOUT_SECONDS)
        received = list(responses)
        expect(len(received) == 1, f"{len(received)} streamed responses, expected 1")
        expect_zero_payload(received[0].payload, 314159, "streamed response")
        check(responses.initial_metadata(), responses.trailing_metadata(), "FullDuplexCall")

    def _expect_echoed_status(self, message: str, include_stream: bool):
        status = messages_pb2.EchoStatus(code=2, message=message)
        try:
            self.stub.UnaryCall(messages_pb2.SimpleRequest(response_status=status), timeout=CALL_TIMEOUT_SECONDS)
            raise CaseFailed("UnaryCall succeeded although a status was requested")
        except grpc.RpcError as error:
            expect_rpc_error(error, grpc.StatusCode.UNKNOWN, message)
        if include_stream:
            request = messages_pb2.StreamingOutputCallRequest(response_status=status)
            try:
                list(self.stub.FullDuplexCall(iter([request]), timeout=CALL_TIMEOUT_SECONDS))
                raise CaseFailed("FullDuplexCall succeeded although a status was requested")
            except grpc.RpcError as error:
                expect_rpc_error(error, grpc.StatusCode.UNKNOWN, message)

    def status_code_and_message(self):
        self._expect_echoed_status("test status message", include_stream=True)

    def special_status_message(self):
        self._expect_echoed_status(SPECIAL_STATUS_MESSAGE, include_stream=False)

    def unimplemented_method(self):
        try:
            self.stub.UnimplementedCall(empty_pb2.Empty(), timeout=CALL_TIMEOUT_SECONDS)
            raise CaseFailed("TestService/UnimplementedCall succeeded")
        except grpc.RpcError as error:
            expect_rpc_error(error, grpc.StatusCode.UNIMPLEMENTED)

    def unimplemented_service(self):
        try:
            self.unimplemented_stub.UnimplementedCall(empty_pb2.Empty(), timeout=CALL_TIMEOUT_SECONDS)
            raise CaseFailed("UnimplementedService/UnimplementedCall succeeded")
        except grpc.RpcError as error:
            expect_rpc_error(error, grpc.StatusCode.UNIMPLEMENTED)


TEST_CASES = (
    "empty_unary", "large_unary", "client_compressed_unary", "server_compressed_unary",
    "client_streaming", "client_compressed_streaming", "server_streaming", "server_compressed_streaming",
    "ping_pong", "empty_stream", "cancel_after_begin", "cancel_after_first_response",
    "timeout_on_sleeping_server", "custom_metadata", "status_code_and_message", "special_status_message",
    "unimplemented_method", "unimplemented_service",
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server_host", default="127.0.0.1")
    parser.add_argument("--server_host_override", default=None)
    parser.add_argument("--server_port", type=int, required=True)
    parser.add_argument("--test_case", required=True, choices=TEST_CASES)
    parser.add_argument("--use_tls", default="false", choices=["false", "true"])
    args = parser.parse_args()
    if args.use_tls == "true":
        print("TLS is not supported by this client; run it in plaintext", file=sys.stderr)
        return 2

    interop_wire.enable_per_message_client_compression_control()
    target = f"{args.server_host}:{args.server_port}"
    options = [("grpc.default_authority", args.server_host_override)] if args.server_host_override else []
    with grpc.insecure_channel(target, options=options) as channel, \
            grpc.insecure_channel(target, options=options + interop_wire.NO_DECOMPRESSION_OPTIONS) as observing:
        try:
            getattr(Cases(channel, observing), args.test_case)()
        except CaseFailed as failure:
            print(f"{args.test_case}: FAILED: {failure}", file=sys.stderr)
            return 1
        except grpc.RpcError as error:
            print(f"{args.test_case}: FAILED: unexpected status {error.code()}: {error.details()!r}", file=sys.stderr)
            return 1
    print(f"{args.test_case}: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
