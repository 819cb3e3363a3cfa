#!/usr/bin/python3
"""A payment channel's claim through the gateway, as an outside channel makes it: a token from the token
endpoint (client credentials over HTTP/1.1), then claim.v1.ClaimService/ClaimVoucher over h2c with it.

    /usr/bin/python3 tests/interop/channel_claim.py --gateway http://127.0.0.1:8080 \\
        --client_id channel-unionpay --client_secret local-token-client-channel-unionpay \\
        --campaign cmp-... --tier t50 --account acct-1

Prints "voucher <id> <face value in cents>" and exits 0 when a voucher is issued; otherwise 1 and the
reason on stderr (a refusal prints its reason).
"""

import argparse
import json
import sys
import time
import urllib.parse
import urllib.request
import uuid

import grpc

sys.dont_write_bytecode = True

import interop_protos  # noqa: E402

interop_protos.load_contracts()

from claim.v1 import claim_service_pb2, claim_service_pb2_grpc  # noqa: E402
from voucher.v1 import identity_pb2  # noqa: E402

CALL_TIMEOUT_SECONDS = 30


def token(gateway: str, client_id: str, client_secret: str) -> str:
    form = urllib.parse.urlencode({
        "grant_type": "client_credentials", "client_id": client_id, "client_secret": client_secret,
    }).encode()
    with urllib.request.urlopen(urllib.request.Request(f"{gateway}/connect/token", data=form), timeout=CALL_TIMEOUT_SECONDS) as answer:
        return json.load(answer)["access_token"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gateway", required=True, help="the gateway's address, e.g. http://127.0.0.1:8080")
    parser.add_argument("--client_id", required=True)
    parser.add_argument("--client_secret", required=True)
    parser.add_argument("--campaign", required=True)
    parser.add_argument("--tier", required=True)
    parser.add_argument("--account", required=True, help="the person's account id at the channel")
    parser.add_argument("--phone", default="")
    args = parser.parse_args()

    gateway = args.gateway.rstrip("/")
    access_token = token(gateway, args.client_id, args.client_secret)
    request = claim_service_pb2.ClaimVoucherRequest(
        request_id=str(uuid.uuid4()), campaign_id=args.campaign, tier_id=args.tier,
        # The channel id is left to the gateway's services: they take it from the channel's token.
        person=identity_pb2.PersonIdentity(channel_account_id=args.account, phone=args.phone))
    metadata = (("authorization", f"Bearer {access_token}"),)
    with grpc.insecure_channel(urllib.parse.urlparse(gateway).netloc) as channel:
        claims = claim_service_pb2_grpc.ClaimServiceStub(channel)
        for attempt in range(100):
            try:
                outcome = claims.ClaimVoucher(request, metadata=metadata, timeout=CALL_TIMEOUT_SECONDS)
                break
            except grpc.RpcError as error:
                # UNAVAILABLE: the stock is being armed; the same request id makes the retry safe.
                if error.code() != grpc.StatusCode.UNAVAILABLE or attempt == 99:
                    print(f"claim failed: {error.code()} {error.details()}", file=sys.stderr)
                    return 1
                time.sleep(0.1)
    if outcome.WhichOneof("result") != "voucher":
        print(f"claim refused: {outcome.refusal.reason} {outcome.refusal.message}", file=sys.stderr)
        return 1
    print(f"voucher {outcome.voucher.voucher_id} {outcome.voucher.face_value_cents} {outcome.voucher.channel_id}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
