#!/usr/bin/python3
"""A payment channel applies one of its user's vouchers to a payment automatically, through the gateway, as an
outside channel does: a token from the token endpoint (client credentials over HTTP/1.1), then
redemption.v1.RedemptionService/Redeem over h2c with it, the voucher chosen by the platform (auto-pick), the channel's
transaction id as the idempotency key. The same call is sent twice: the second must be the stored answer.

    /usr/bin/python3 tests/interop/channel_redeem.py --gateway http://127.0.0.1:8080 \\
        --client_id channel-unionpay --client_secret local-token-client-channel-unionpay --channel unionpay \\
        --campaign cmp-... --merchant mch-... --account acct-1 --phone 13800000001 \\
        --order_cents 250001 --item_cents 200000 --category appliances --invoice FP-2

Prints "redemption <id> <voucher id> <face value in cents> <paid cents> <acquiring channel> <replayed>" and exits 0
when the voucher was applied and the retry replayed it; otherwise 1 and the reason on stderr (a refusal prints its
reason).
"""

import argparse
import sys
import urllib.parse
import uuid

import grpc

sys.dont_write_bytecode = True

import interop_protos  # noqa: E402

interop_protos.load_contracts()

from channel_claim import CALL_TIMEOUT_SECONDS, token  # noqa: E402
from redemption.v1 import redemption_service_pb2, redemption_service_pb2_grpc  # noqa: E402
from voucher.v1 import identity_pb2  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gateway", required=True, help="the gateway's address, e.g. http://127.0.0.1:8080")
    parser.add_argument("--client_id", required=True)
    parser.add_argument("--client_secret", required=True)
    parser.add_argument("--channel", required=True, help="the channel's id, which carries the payment (acquiring channel)")
    parser.add_argument("--campaign", required=True)
    parser.add_argument("--merchant", required=True)
    parser.add_argument("--account", required=True, help="the person's account id at the channel")
    parser.add_argument("--phone", default="")
    parser.add_argument("--order_cents", type=int, required=True)
    parser.add_argument("--item_cents", type=int, default=0, help="the most expensive qualifying item")
    parser.add_argument("--category", required=True)
    parser.add_argument("--invoice", default="")
    args = parser.parse_args()

    gateway = args.gateway.rstrip("/")
    access_token = token(gateway, args.client_id, args.client_secret)
    transaction = f"pay-{uuid.uuid4()}"
    request = redemption_service_pb2.RedeemRequest(
        idempotency_key=transaction, merchant_id=args.merchant,
        acquiring_channel_id=args.channel, channel_transaction_id=transaction,
        order=redemption_service_pb2.OrderDetails(
            order_amount_cents=args.order_cents, qualifying_item_amount_cents=args.item_cents,
            category_id=args.category, invoice_number=args.invoice),
        auto_pick=redemption_service_pb2.AutoPick(campaign_id=args.campaign),
        # The person's channel and the acting channel are left to the services: they take them from the channel's token.
        person=identity_pb2.PersonIdentity(channel_account_id=args.account, phone=args.phone))
    metadata = (("authorization", f"Bearer {access_token}"),)
    with grpc.insecure_channel(urllib.parse.urlparse(gateway).netloc) as channel:
        redemptions = redemption_service_pb2_grpc.RedemptionServiceStub(channel)
        try:
            first = redemptions.Redeem(request, metadata=metadata, timeout=CALL_TIMEOUT_SECONDS)
            retry = redemptions.Redeem(request, metadata=metadata, timeout=CALL_TIMEOUT_SECONDS)
        except grpc.RpcError as error:
            print(f"redeem failed: {error.code()} {error.details()}", file=sys.stderr)
            return 1
    if first.WhichOneof("result") != "redemption":
        print(f"redeem refused: {first.refusal.reason} {first.refusal.message}", file=sys.stderr)
        return 1
    record = first.redemption
    if retry.WhichOneof("result") != "redemption" or retry.redemption.redemption_id != record.redemption_id or first.replayed:
        print(f"the retry was not the stored answer: {retry}", file=sys.stderr)
        return 1
    print(f"redemption {record.redemption_id} {record.voucher_id} {record.face_value_cents} {record.paid_cents} "
          f"{record.acquiring_channel_id} {str(retry.replayed).lower()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
