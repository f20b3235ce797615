"""The official Python x402 client (PyPI x402 2.25) against the demo's gateway.

  1. `exact`: ExactEvmScheme pays 0.001 TokenAI as Agent Alice (spend controls
     naming TokenAI), and the queued payment settles on-chain.
  2. `aat-voucher` (optional: the Python client takes custom schemes): Grace
     pays from the GIFT channel the TypeScript checks opened, with a fresh
     client that learns what she owes from the gateway's 402.

Each check prints one line; any failure exits non-zero with its reason.

  AAT_DEMO_ENV=/tmp/aat.json python pay.py
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time

from eth_account import Account
from web3 import Web3
from x402 import x402Client
from x402.http import x402HTTPClient
from x402.http.clients import x402HttpxClient
from x402.mechanisms.evm.exact import ExactEvmScheme
from x402.mechanisms.evm.signers import EthAccountSigner

from aat_voucher import AatVoucherScheme

ENV = json.load(open(os.environ["AAT_DEMO_ENV"]))
NETWORK = f"eip155:{ENV['chainId']}"
CHAT = f"{ENV['gateway']}/v1/chat/completions"
W3 = Web3(Web3.HTTPProvider(ENV["rpcUrl"]))
ABI_DIR = os.path.join(os.path.dirname(__file__), "..", "..", "..", "abi")


def key_of(name: str) -> str:
    return next(a["key"] for a in ENV["accounts"] if a["name"] == name)


def contract(name: str, address: str):
    return W3.eth.contract(address=Web3.to_checksum_address(address), abi=json.load(open(os.path.join(ABI_DIR, f"{name}.json"))))


def ask(question: str) -> dict:
    return {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": question}], "max_tokens": 8}


def settlement(client: x402Client, response):
    try:
        return x402HTTPClient(client).get_payment_settle_response(response.headers.get)
    except Exception:  # noqa: BLE001 - no header, or not a settlement
        return None


async def exact() -> str:
    alice = Account.from_key(key_of("Agent Alice"))
    client = x402Client()
    client.register(NETWORK, ExactEvmScheme(EthAccountSigner(alice)))
    client.set_spend_controls(
        {"allowed_assets": [{"network": NETWORK, "asset": ENV["tokenAI"], "max_amount_per_payment": str(10**16)}]}
    )
    sent = []
    client.on_after_payment_creation(lambda ctx: sent.append(ctx.payment_payload))
    async with x402HttpxClient(client) as http:
        response = await http.post(CHAT, json=ask("What is x402, in Python?"))
    if response.status_code != 200:
        raise RuntimeError(f"{response.status_code}: {response.text}")
    settled = settlement(client, response)
    if settled is None or not (settled.success or settled.error_reason == "settlement_pending"):
        raise RuntimeError(f"PAYMENT-RESPONSE {settled}")
    authorization = sent[0].payload["authorization"]
    token = contract("TokenAI", ENV["tokenAI"])
    deadline = time.time() + 20
    while not token.functions.authorizationState(alice.address, authorization["nonce"]).call():
        if time.time() > deadline:
            raise RuntimeError("the authorization did not settle within 20 s")
        time.sleep(0.1)
    return (
        f"Agent Alice paid {int(authorization['value']) / 10**18} TAI by EIP-3009 "
        f"(200, PAYMENT-RESPONSE {'settled' if settled.success else settled.error_reason}); "
        f"settled on-chain: nonce {authorization['nonce'][:10]}… used"
    )


async def voucher() -> str:
    grace = Account.from_key(ENV["holderKey"])
    provider = next(a["address"] for a in ENV["accounts"] if a["name"] == "Provider")
    gift = int(ENV["ids"]["GIFT"], 16)
    locked = contract("AAT", ENV["aat"]).functions.channelOf(grace.address, Web3.to_checksum_address(provider), gift).call()[0]
    if locked == 0:
        raise RuntimeError("Grace has no channel with the provider: run the TypeScript checks first (they open it)")
    scheme = AatVoucherScheme(grace, gift)
    client = x402Client()
    client.register(NETWORK, ExactEvmScheme(EthAccountSigner(grace)))
    client.register(NETWORK, scheme)
    client.set_spend_controls(
        {
            "allowed_assets": [
                {"network": NETWORK, "asset": ENV["aat"], "max_amount_per_payment": "1000"},
                {"network": NETWORK, "asset": ENV["tokenAI"]},
            ]
        }
    )
    sent = []
    client.on_after_payment_creation(lambda ctx: sent.append(ctx.payment_payload))
    async with x402HttpxClient(client) as http:
        response = await http.post(CHAT, json=ask("A voucher from Python?"))
    if response.status_code != 200:
        raise RuntimeError(f"{response.status_code}: {response.text}")
    settled = settlement(client, response)
    part = ((settled.extensions or {}) if settled else {}).get("aat-voucher")
    if not settled or not settled.success or not part:
        raise RuntimeError(f"PAYMENT-RESPONSE {settled}")
    signed = [p.payload["voucher"]["cumulativeAmount"] for p in sent if p.accepted.scheme == "aat-voucher"]
    owed = int(part["account"]["owed"])
    if scheme.owed(provider) != owed:
        raise RuntimeError(f"the scheme believes {scheme.owed(provider)} is owed, the gateway says {owed}")
    return (
        f"a Python client for Grace signed vouchers for {', '.join(signed)} "
        f"({'recovered from the 402' if len(signed) > 1 else 'one voucher'}), was served, owes {owed}"
    )


async def main() -> int:
    failed = 0
    for name, check in [("python exact", exact), ("python aat-voucher", voucher)]:
        try:
            print(f"  ✓ {name}: {await check()}", flush=True)
        except Exception as err:  # noqa: BLE001 - every failure is reported, then counted
            failed += 1
            print(f"  ✗ {name}: {err}", flush=True)
    print(f"x402 python: {'all 2 checks passed' if not failed else f'{failed} of 2 checks failed'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
