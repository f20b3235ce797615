// Every custom error of TokenAI, AAT and the exchange (spec/*.sol), and
// every refusal kind of the gateway, in words a person acts on. A revert
// reaches people through `explain`, never as a selector or a stack.
import {
  BaseError,
  ContractFunctionRevertedError,
  UserRejectedRequestError,
  decodeErrorResult,
  type Hex,
} from "viem";
import { aatAbi, exchangeAbi, tokenAIAbi } from "../generated/abi";
import { formatCredits, formatTokenAI, shortAddress } from "./units";

type Args = readonly unknown[];
const addr = (value: unknown) => shortAddress(String(value));
const when = (value: unknown) => new Date(Number(value) * 1000).toLocaleString("en-GB", { timeZone: "UTC" }) + " UTC";

/** Contract errors by name: their arguments are the spec's. */
export const CONTRACT_ERRORS: Record<string, (args: Args) => string> = {
  // TokenAI (ERC-20, EIP-2612, EIP-3009)
  ERC20InsufficientBalance: ([, balance, needed]) =>
    `Not enough TokenAI: you have ${formatTokenAI(balance as bigint)} and this needs ${formatTokenAI(needed as bigint)}.`,
  ERC20InvalidSender: () => "TokenAI cannot be sent from the zero address.",
  ERC20InvalidReceiver: ([to]) => `TokenAI cannot be sent to ${addr(to)}.`,
  ERC20InsufficientAllowance: ([spender, allowance, needed]) =>
    `${addr(spender)} may spend only ${formatTokenAI(allowance as bigint)} of your TokenAI and this needs ${formatTokenAI(needed as bigint)}: approve more first.`,
  ERC20InvalidApprover: () => "The zero address cannot approve spending.",
  ERC20InvalidSpender: () => "The zero address cannot be allowed to spend.",
  ERC2612ExpiredSignature: ([deadline]) => `The spending permission you signed expired at ${when(deadline)}: sign again.`,
  ERC2612InvalidSigner: () => "The spending permission was not signed by the account that owns the TokenAI.",
  AuthorizationNotYetValid: ([after]) => `This payment is not valid before ${when(after)}.`,
  AuthorizationExpired: ([before]) => `This payment expired at ${when(before)}.`,
  AuthorizationAlreadyUsed: () => "This payment was used already.",
  InvalidAuthorizationSignature: ([who]) => `This payment was not signed by ${addr(who)}.`,
  CallerMustBePayee: ([, payee]) => `Only the payee ${addr(payee)} may submit this payment.`,
  UnauthorizedMinter: ([who]) =>
    `${addr(who)} is not allowed to issue credits directly: ask the operator to make it a minter, or buy credits with TokenAI.`,
  EnforcedPause: () => "The contract is paused by its operator: nothing can move until it resumes.",
  ExpectedPause: () => "The contract is not paused.",
  OwnableUnauthorizedAccount: ([who]) => `Only the contract's owner may do this, not ${addr(who)}.`,
  OwnableInvalidOwner: ([who]) => `${addr(who)} cannot be the owner.`,
  // AAT (ERC-1155, policies, channels, vouchers)
  ERC1155InsufficientBalance: ([, balance, needed]) =>
    `Not enough credits: you have ${formatCredits(balance as bigint)} and this needs ${formatCredits(needed as bigint)}.`,
  ERC1155InvalidSender: ([who]) => `Credits cannot be taken from ${addr(who)}.`,
  ERC1155InvalidReceiver: ([to]) =>
    `${addr(to)} cannot receive credits (the zero address, or a contract that does not accept them).`,
  ERC1155MissingApprovalForAll: ([operator, owner]) =>
    `${addr(operator)} is not allowed to move the credits of ${addr(owner)}.`,
  ERC1155InvalidOperator: ([who]) => `${addr(who)} cannot be an operator.`,
  ERC1155InvalidArrayLength: ([ids, values]) => `The lists do not match: ${ids} items against ${values}.`,
  UnknownToken: () => "No credits of this kind exist.",
  TokenExpired: ([, expiration]) => `These credits expired at ${when(expiration)}.`,
  TokenNotTradable: () => "These credits can't be given away: the issuer made them non-transferable.",
  NotReclaimable: () => "The issuer made these credits non-reclaimable: nobody can take them back.",
  NotOriginPool: ([caller]) => `Only the issuer of these credits can reclaim them, not ${addr(caller)}.`,
  ModelMismatch: () => "These credits are for another model.",
  ScopeMismatch: () => "These credits are for another use (scope).",
  InvalidExpiration: () => "The expiry date must be in the future.",
  ZeroAmount: () => "The amount must be more than zero.",
  ZeroAddress: () => "An address is missing (the zero address is not allowed).",
  PriceNotSet: () => "This model has no price yet: credits for it cannot be bought with TokenAI.",
  ExcessiveFee: ([fee, max]) => `A fee of ${Number(fee) / 100}% is above the ${Number(max) / 100}% limit.`,
  InvalidVoucherSignature: ([holder]) => `The voucher was not signed by ${addr(holder)} or its session key.`,
  VoucherExpired: ([deadline]) => `The voucher expired at ${when(deadline)}.`,
  NotVoucherProvider: ([caller, provider]) =>
    `Only the provider ${addr(provider)} may settle this voucher, not ${addr(caller)}.`,
  ChannelExpiryInvalid: () =>
    "The channel's end must be in the future, not before its current end, and not after the credits expire.",
  ChannelNotClosable: ([, expiresAt]) =>
    `This channel is open until ${when(expiresAt)}: only the provider may close it before then.`,
  NoChannel: () => "There is no channel for these credits with this provider.",
  ChannelSignerMismatch: ([expected]) =>
    `This channel's vouchers are signed by ${addr(expected)}: a top-up must name the same key.`,
  InvalidChannelProvider: () => "A channel must be with a provider other than yourself.",
  NotAContract: ([who]) => `${addr(who)} is not a contract.`,
  // The exchange
  InvalidOrder: () => "This order cannot be filled as written (its amounts or tokens are not valid).",
  InvalidOrderSignature: ([maker]) => `The order was not signed by its maker ${addr(maker)}.`,
  OrderExpired: ([, expiry]) => `This order expired at ${when(expiry)}.`,
  OrderIsCancelled: () => "The maker cancelled this order.",
  OrderNonceTooLow: () => "The maker cancelled this order (and all its older ones).",
  NotOrderTaker: ([, taker]) => `This order is reserved for ${addr(taker)}.`,
  NotOrderMaker: ([, maker]) => `Only the maker ${addr(maker)} may cancel this order.`,
  FillExceedsRemaining: ([, , remaining]) => `Only ${String(remaining)} of this order remain to be filled.`,
  MinNonceNotRaised: ([current]) => `Order numbers below ${String(current)} are already cancelled.`,
};

/** The gateway's refusal kinds (a 402's `kind`), in words. */
export const GATEWAY_REFUSALS: Record<string, string> = {
  amount: "The voucher is not for what you owe: the app signs again with the right amount.",
  balance:
    "Your credits locked with this provider don't cover what this question may cost: lock more in a channel with it (My credits), or ask for a shorter answer.",
  chain: "The provider could not read the chain just now: try again in a moment.",
  "credit-limit": "Another request of yours is still being answered: wait for it, then ask again.",
  "channel-ending": "Your channel with this provider closes too soon for this request: extend it or open a new one.",
  expired: "The payment's deadline has passed or is too close: sign again.",
  "expired-id": "These credits have expired.",
  id: "This provider does not accept these credits.",
  ledger: "The provider could not record the payment: try again.",
  malformed: "The payment could not be read.",
  missing: "This request must be paid.",
  network: "The payment is for another network.",
  "not-yet-valid": "The payment is not valid yet.",
  "public-voucher": "That voucher was already settled on chain: sign a new one.",
  replayed: "That payment was used already.",
  scheme: "This provider does not accept that way of paying.",
  scope: "These credits are for another model or use than this provider serves.",
  signature: "The payment's signature is not the payer's.",
  "smart-account": "A smart account cannot sign here: name a session key in a channel.",
  unpaid: "An earlier payment of yours failed to settle: the provider won't serve until it is paid.",
  version: "The payment uses an x402 version this provider does not speak.",
  "wrong-provider": "The payment is to another provider.",
};

/** A custom error from revert data, if one of ours. */
export function decodeRevert(data: Hex): { name: string; args: Args } | undefined {
  for (const abi of [aatAbi, tokenAIAbi, exchangeAbi]) {
    try {
      const decoded = decodeErrorResult({ abi, data });
      return { name: decoded.errorName, args: decoded.args ?? [] };
    } catch {
      // not this contract's
    }
  }
  return undefined;
}

/** A named error with its arguments in words, or its name when unknown. */
export function explainError(name: string, args: Args): string {
  const words = CONTRACT_ERRORS[name];
  return words ? words(args) : `The contract refused: ${name}.`;
}

/** Whether the person declined in their wallet (EIP-1193 code 4001): an answer, not a failure to explain. */
export function isUserRejection(error: unknown): boolean {
  if (error instanceof BaseError && error.walk((e) => e instanceof UserRejectedRequestError)) return true;
  return typeof error === "object" && !!error && (error as { code?: number }).code === 4001;
}

/** Anything a wallet, viem or a contract throws, in words. */
export function explain(error: unknown): string {
  if (isUserRejection(error)) return "You declined in your wallet: nothing was sent.";
  if (error instanceof BaseError) {
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (reverted instanceof ContractFunctionRevertedError) {
      if (reverted.data?.errorName) return explainError(reverted.data.errorName, reverted.data.args ?? []);
      if (reverted.raw) {
        const decoded = decodeRevert(reverted.raw);
        if (decoded) return explainError(decoded.name, decoded.args);
      }
      return reverted.reason ? `The contract refused: ${reverted.reason}.` : "The contract refused without saying why.";
    }
    return error.shortMessage;
  }
  return error instanceof Error ? error.message : String(error);
}
