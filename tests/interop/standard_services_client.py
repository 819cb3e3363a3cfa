#!/usr/bin/python3
"""Checks a server's standard services with grpcio: server reflection and health.

    standard_services_client.py --server_port P reflection --version v1 --expect_service grpc.testing.TestService
    standard_services_client.py --server_port P health_check --serving "" --serving grpc.testing.TestService
    standard_services_client.py --server_port P health_watch --service grpc.testing.TestService

health_watch prints "watch: <STATUS>" for every status the stream delivers (flushing each line, so
a test can react to it) and succeeds once it has seen SERVING followed by NOT_SERVING.
Exit code 0 on success; 1 with the reason on stderr otherwise.
"""

import argparse
import importlib
import sys

import grpc

sys.dont_write_bytecode = True

import interop_protos  # noqa: E402

interop_protos.load()

from google.protobuf import descriptor_pb2, descriptor_pool  # noqa: E402
from grpc.health.v1 import health_pb2, health_pb2_grpc  # noqa: E402

CALL_TIMEOUT_SECONDS = 60


class CheckFailed(Exception):
    pass


def _reflection_modules(version: str):
    messages = importlib.import_module(f"grpc.reflection.{version}.reflection_pb2")
    stubs = importlib.import_module(f"grpc.reflection.{version}.reflection_pb2_grpc")
    return messages, stubs


class ReflectionSession:
    """One ServerReflectionInfo stream, used request by request."""

    def __init__(self, channel, version: str):
        self._messages, stubs = _reflection_modules(version)
        self._stub = stubs.ServerReflectionStub(channel)

    def ask_all(self, requests):
        responses = list(self._stub.ServerReflectionInfo(iter(requests), timeout=CALL_TIMEOUT_SECONDS))
        if len(responses) != len(requests):
            raise CheckFailed(f"{len(requests)} reflection requests got {len(responses)} responses")
        for response in responses:
            if response.HasField("error_response"):
                raise CheckFailed(f"reflection error {response.error_response.error_code}: "
                                  f"{response.error_response.error_message} for {response.original_request}")
        return responses

    def request(self, **kwargs):
        return self._messages.ServerReflectionRequest(**kwargs)


def check_reflection(channel, version: str, expected_services) -> None:
    session = ReflectionSession(channel, version)
    [listing] = session.ask_all([session.request(list_services="")])
    services = [s.name for s in listing.list_services_response.service]
    print(f"services ({version}): {', '.join(services)}")
    missing = [name for name in expected_services if name not in services]
    if missing:
        raise CheckFailed(f"services missing from the listing: {missing}")

    files = {}
    answers = session.ask_all([session.request(file_containing_symbol=name) for name in services])
    for answer in answers:
        for serialized in answer.file_descriptor_response.file_descriptor_proto:
            proto = descriptor_pb2.FileDescriptorProto.FromString(serialized)
            files[proto.name] = proto
    # Servers may send only the requested file; fetch any dependency still missing by name.
    while True:
        wanted = sorted({dep for proto in files.values() for dep in proto.dependency if dep not in files})
        if not wanted:
            break
        for answer in session.ask_all([session.request(file_by_filename=name) for name in wanted]):
            for serialized in answer.file_descriptor_response.file_descriptor_proto:
                proto = descriptor_pb2.FileDescriptorProto.FromString(serialized)
                files[proto.name] = proto
        if any(name not in files for name in wanted):
            raise CheckFailed(f"the server did not return the files {[n for n in wanted if n not in files]}")

    # Building a pool from scratch proves the descriptors are complete and consistent.
    pool = descriptor_pool.DescriptorPool()
    added = set()

    def add(name):
        if name in added:
            return
        for dependency in files[name].dependency:
            add(dependency)
        pool.Add(files[name])
        added.add(name)

    for name in sorted(files):
        add(name)
    for service in services:
        descriptor = pool.FindServiceByName(service)
        methods = [m.name for m in descriptor.methods]
        if not methods:
            raise CheckFailed(f"service {service} has no methods in its descriptor")
        print(f"  {service} ({descriptor.file.name}): {', '.join(methods)}")


def check_health(channel, serving, not_found) -> None:
    stub = health_pb2_grpc.HealthStub(channel)
    for service in serving:
        response = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=CALL_TIMEOUT_SECONDS)
        status = health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)
        print(f"check {service!r}: {status}")
        if response.status != health_pb2.HealthCheckResponse.SERVING:
            raise CheckFailed(f"service {service!r} is {status}, expected SERVING")
    for service in not_found:
        try:
            stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=CALL_TIMEOUT_SECONDS)
            raise CheckFailed(f"Check of unregistered service {service!r} succeeded")
        except grpc.RpcError as error:
            print(f"check {service!r}: {error.code()}")
            if error.code() != grpc.StatusCode.NOT_FOUND:
                raise CheckFailed(f"Check of {service!r} ended with {error.code()}, expected NOT_FOUND") from None


def check_health_watch(channel, service: str, timeout: float) -> None:
    stub = health_pb2_grpc.HealthStub(channel)
    responses = stub.Watch(health_pb2.HealthCheckRequest(service=service), timeout=timeout)
    seen_serving = False
    try:
        for response in responses:
            status = health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)
            print(f"watch: {status}", flush=True)
            if response.status == health_pb2.HealthCheckResponse.SERVING:
                seen_serving = True
            elif response.status == health_pb2.HealthCheckResponse.NOT_SERVING and seen_serving:
                responses.cancel()
                return
    except grpc.RpcError as error:
        raise CheckFailed(f"Watch ended with {error.code()}: {error.details()}") from None
    raise CheckFailed("Watch ended before reporting SERVING then NOT_SERVING")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server_host", default="127.0.0.1")
    parser.add_argument("--server_port", type=int, required=True)
    commands = parser.add_subparsers(dest="command", required=True)
    reflection = commands.add_parser("reflection")
    reflection.add_argument("--version", choices=["v1", "v1alpha"], default="v1")
    reflection.add_argument("--expect_service", action="append", default=[])
    health = commands.add_parser("health_check")
    health.add_argument("--serving", action="append", default=[])
    health.add_argument("--not_found", action="append", default=[])
    watch = commands.add_parser("health_watch")
    watch.add_argument("--service", default="")
    watch.add_argument("--timeout", type=float, default=120)
    args = parser.parse_args()

    with grpc.insecure_channel(f"{args.server_host}:{args.server_port}") as channel:
        try:
            if args.command == "reflection":
                check_reflection(channel, args.version, args.expect_service)
            elif args.command == "health_check":
                check_health(channel, args.serving, args.not_found)
            else:
                check_health_watch(channel, args.service, args.timeout)
        except CheckFailed as failure:
            print(f"{args.command}: FAILED: {failure}", file=sys.stderr)
            return 1
        except grpc.RpcError as error:
            print(f"{args.command}: FAILED: {error.code()}: {error.details()}", file=sys.stderr)
            return 1
    print(f"{args.command}: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
