// The provider's signed usage receipt, checked against what the wallet
// signed: a receipt is the provider's word of what one answer cost and what
// is owed after it, and only a receipt that matches the voucher, the holder,
// the provider and the question's bound may raise what the app later signs
// for (lib/voucherGuard.ts). Also AAT's fee, which settling burns on top.
import { type Address, type Hex, hashTypedData, isAddressEqual, verifyTypedData } from "viem";
import { RECEIPT_TYPES, VOUCHER_TYPES, type VoucherDomain, type VoucherPayload, receiptDomain } from "x402-aat-voucher";
import { formatCredits, shortAddress } from "./units";

/** What the provider signed it served and charged (the settlement's `receipt`). */
export interface UsageReceipt {
  holder: Address;
  provider: Address;
  id: string;
  voucherDigest: Hex;
  requestHash: Hex;
  responseHash: Hex;
  promptTokens: number;
  completionTokens: number;
  units: string;
  cumulativeOwed: string;
  signature: Hex;
}

export type SignedVoucher = VoucherPayload["voucher"];

export { RECEIPT_TYPES } from "x402-aat-voucher";

/** The EIP-712 digest of `voucher` in AAT's domain: what the wallet signed, and what AAT's hashVoucher returns. */
export function voucherDigest(domain: VoucherDomain, voucher: SignedVoucher): Hex {
  return hashTypedData({
    domain,
    types: VOUCHER_TYPES,
    primaryType: "Voucher",
    message: {
      holder: voucher.holder,
      provider: voucher.provider,
      id: BigInt(voucher.id),
      cumulativeAmount: BigInt(voucher.cumulativeAmount),
      deadline: BigInt(voucher.deadline),
    },
  });
}

/** What a receipt must match: the request as the app made and paid it. */
export interface PaidRequest {
  /** The wallet's account (the holder whose vouchers these are). */
  holder: Address;
  /** The credits that paid. */
  id: bigint;
  /** The gateway's payTo: the provider the voucher was made out to. */
  provider: Address;
  /** The most the question could cost, as shown before asking (units, without AAT's fee). */
  maxUnits: bigint;
  /** The voucher the wallet signed for this request. */
  voucher: SignedVoucher;
  /** AAT's EIP-712 domain the voucher was signed in. */
  domain: VoucherDomain;
}

/**
 * Every way `receipt` departs from the request the app paid, in words;
 * empty when it passes every check: signed by the provider, for this holder,
 * credits and provider, charging at most the question's bound, owing exactly
 * the voucher's amount plus its units, and naming the voucher the wallet signed.
 */
export async function receiptProblems(receipt: UsageReceipt, paid: PaidRequest): Promise<string[]> {
  const units = toBigInt(receipt.units);
  const owed = toBigInt(receipt.cumulativeOwed);
  const id = toBigInt(receipt.id);
  if (units === undefined || owed === undefined || id === undefined || !isHex(receipt.voucherDigest))
    return ["its amounts or its voucher digest could not be read"];
  const problems: string[] = [];
  if (!sameAddress(receipt.holder, paid.holder)) problems.push(`it names the holder ${shortAddress(String(receipt.holder))}, not you`);
  if (id !== paid.id) problems.push("it is for other credits than the ones you paid with");
  if (!sameAddress(receipt.provider, paid.provider))
    problems.push(`it names the provider ${shortAddress(String(receipt.provider))}, not ${shortAddress(paid.provider)} you paid`);
  if (units > paid.maxUnits)
    problems.push(`it charges ${formatCredits(units)}, more than this question could cost (${formatCredits(paid.maxUnits)})`);
  const signedFor = BigInt(paid.voucher.cumulativeAmount);
  if (owed !== signedFor + units)
    problems.push(
      `it says you owe ${formatCredits(owed)} in total, but your voucher covered ${formatCredits(signedFor)} and this answer ${formatCredits(units)} (${formatCredits(signedFor + units)})`,
    );
  if (receipt.voucherDigest.toLowerCase() !== voucherDigest(paid.domain, paid.voucher).toLowerCase())
    problems.push("it names another voucher than the one you signed");
  if (!(await signedByProvider(receipt, paid.domain, paid.provider)))
    problems.push(`it is not signed by the provider ${shortAddress(paid.provider)}`);
  return problems;
}

/** Whether the provider signed `receipt` (EIP-712, domain "AAT usage receipt" on AAT's chain and address). */
async function signedByProvider(receipt: UsageReceipt, domain: VoucherDomain, provider: Address): Promise<boolean> {
  try {
    return await verifyTypedData({
      address: provider,
      domain: receiptDomain(domain.chainId, domain.verifyingContract),
      types: RECEIPT_TYPES,
      primaryType: "UsageReceipt",
      message: {
        holder: receipt.holder,
        provider: receipt.provider,
        id: BigInt(receipt.id),
        voucherDigest: receipt.voucherDigest,
        requestHash: receipt.requestHash,
        responseHash: receipt.responseHash,
        promptTokens: BigInt(receipt.promptTokens),
        completionTokens: BigInt(receipt.completionTokens),
        units: BigInt(receipt.units),
        cumulativeOwed: BigInt(receipt.cumulativeOwed),
      },
      signature: receipt.signature,
    });
  } catch {
    return false;
  }
}

/** AAT's fee on settling `units`: ceil(units * feeBps / 10,000), burned from the holder on top (spec/IAAT.sol). */
export function aatFee(units: bigint, feeBps: number): bigint {
  return (units * BigInt(feeBps) + 9_999n) / 10_000n;
}

/** "29 credits + 1 credit fee": what `units` cost the holder once settled. */
export function withFeeWords(units: bigint, feeBps: number): string {
  return `${formatCredits(units)} + ${formatCredits(aatFee(units, feeBps))} fee`;
}

function sameAddress(a: unknown, b: Address): boolean {
  return typeof a === "string" && /^0x[0-9a-fA-F]{40}$/.test(a) && isAddressEqual(a as Address, b);
}

function isHex(value: unknown): value is Hex {
  return typeof value === "string" && /^0x[0-9a-fA-F]*$/.test(value);
}

function toBigInt(value: unknown): bigint | undefined {
  if (typeof value !== "string" && typeof value !== "number") return undefined;
  try {
    return BigInt(value);
  } catch {
    return undefined;
  }
}
