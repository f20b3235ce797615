"""The `aat-voucher` x402 scheme for the official Python client (PyPI x402).

The Python client takes any object with a `scheme` attribute and a synchronous
`create_payment_payload(requirements, context=None) -> dict` (its protocol is
duck-typed), and an optional `scheme_hooks.on_payment_response`. This mirrors
packages/x402-aat-voucher (TypeScript) and the Rust client's
`aat_client::x402::Payer`: the voucher is for exactly what the holder owes so
far, what is owed only grows, deadlines are in the chain's time
(`extra.now`), and a 402 that says more is owed is learned from and paid
again once (the transport's one recovery).
"""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

from eth_account.signers.local import LocalAccount
from x402.schemas import PaymentRequirements
from x402.schemas.hooks import PaymentResponseContext, RecoveredResponseResult

SCHEME = "aat-voucher"

VOUCHER_TYPES = {
    "Voucher": [
        {"name": "holder", "type": "address"},
        {"name": "provider", "type": "address"},
        {"name": "id", "type": "uint256"},
        {"name": "cumulativeAmount", "type": "uint256"},
        {"name": "deadline", "type": "uint64"},
    ]
}


def _owed_in(extra: dict[str, Any], holder: str, token_id: int) -> int | None:
    """What an offer's `extra.accounts` says `holder` owes in `token_id`, if it says."""
    for account in extra.get("accounts") or []:
        if str(account.get("holder", "")).lower() == holder.lower() and int(str(account.get("id")), 0) == token_id:
            return int(str(account["owed"]), 0)
    return None


class AatVoucherScheme:
    """Register beside ExactEvmScheme under the same `eip155:<chainId>` key.

    `holder` defaults to the account; set it when the account is the session
    key the holder's channel with the provider names.
    """

    scheme = SCHEME

    def __init__(self, account: LocalAccount, token_id: int, holder: str | None = None, validity: int = 86_400):
        self._account = account
        self._id = token_id
        self.holder = holder or account.address
        self._validity = validity
        self._owed: dict[str, int] = {}  # by provider (lowercase)
        self.scheme_hooks = SimpleNamespace(on_payment_response=self._on_payment_response)

    def owed(self, provider: str) -> int | None:
        return self._owed.get(provider.lower())

    def create_payment_payload(self, requirements: PaymentRequirements, context: Any = None) -> dict[str, Any]:
        extra = requirements.extra or {}
        provider = requirements.pay_to
        owed = max(self._owed.get(provider.lower(), 0), _owed_in(extra, self.holder, self._id) or 0)
        self._owed[provider.lower()] = owed
        now = int(extra.get("now") or time.time())
        if self._validity <= int(extra.get("minValiditySeconds", 0)):
            raise ValueError("aat-voucher: validity is not above the offer's minValiditySeconds")
        voucher = {
            "holder": self.holder,
            "provider": provider,
            "id": self._id,
            "cumulativeAmount": owed,
            "deadline": now + self._validity,
        }
        domain = {
            "name": extra["name"],
            "version": extra["version"],
            "chainId": int(extra["chainId"]),
            "verifyingContract": extra["verifyingContract"],
        }
        signed = self._account.sign_typed_data(domain, {**VOUCHER_TYPES}, voucher)
        # JSON as the gateway reads it: id in 0x-hex, the amount as a decimal string.
        return {
            "voucher": {**voucher, "id": hex(self._id), "cumulativeAmount": str(owed)},
            "signature": "0x" + signed.signature.hex().removeprefix("0x"),
        }

    def _on_payment_response(self, ctx: PaymentResponseContext) -> RecoveredResponseResult | None:
        provider = ctx.requirements.pay_to.lower()
        if ctx.settle_response is not None:
            part = (ctx.settle_response.extensions or {}).get(SCHEME) or {}
            account = part.get("account") or {}
            if str(account.get("holder", "")).lower() == self.holder.lower():
                self._owed[provider] = max(self._owed.get(provider, 0), int(str(account["owed"]), 0))
            return None
        if ctx.payment_required is not None:
            for offer in ctx.payment_required.accepts:
                if offer.scheme != SCHEME:
                    continue
                told = _owed_in(offer.extra or {}, self.holder, self._id)
                if told is not None and told > self._owed.get(offer.pay_to.lower(), 0):
                    self._owed[offer.pay_to.lower()] = told
                    return RecoveredResponseResult()
        return None
