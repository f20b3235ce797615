// What the wallet may sign a voucher for. A voucher's cumulativeAmount is a
// debt the holder acknowledges, and the x402-aat-voucher plugin signs for
// whatever total the gateway reports owed (a 402's `extra.accounts`, a
// settlement's `account`); the spend cap of the x402 client checks only the
// offer's per-request amount. So the signer the plugin is given is wrapped:
// it signs only up to what this page has seen backed, the latest
// cumulativeOwed of a provider-signed receipt that passed every check
// (lib/receipt.ts), or, with none yet (a fresh page), what AAT has already
// settled on chain, which the holder signed before. Beyond that the person
// is asked, and a total they confirm may be signed.
import type { Address } from "viem";
import type { VoucherSigner } from "x402-aat-voucher";
import { formatCredits } from "./units";

type SignTypedData = VoucherSigner["signTypedData"];

/** What one account (holder, provider, id) has shown this page. */
export interface Backing {
  /** The cumulativeOwed of the latest receipt that passed every check. */
  verified?: bigint;
  /** A total the person confirmed signing for. */
  approved?: bigint;
}

/** The gateway asks a voucher for more than this page has seen backed: nothing was signed. */
export class UnbackedVoucher extends Error {
  constructor(
    readonly holder: Address,
    readonly provider: Address,
    readonly id: bigint,
    /** The total the gateway says is owed (the voucher asked for). */
    readonly claimed: bigint,
    /** What this page has seen backed. */
    readonly seen: bigint,
  ) {
    super(
      `The provider says you owe ${formatCredits(claimed)} for earlier requests (this page has seen ${formatCredits(seen)}): nothing was signed.`,
    );
  }
}

/** Per account, for the page's life (a reload starts from what is settled on chain). */
export class VoucherBook {
  private readonly accounts = new Map<string, Backing>();

  get(holder: Address, provider: Address, id: bigint): Backing {
    return this.accounts.get(keyOf(holder, provider, id)) ?? {};
  }

  /** A receipt passed every check: what it says is owed is the new baseline. */
  recordReceipt(holder: Address, provider: Address, id: bigint, cumulativeOwed: bigint): void {
    this.update(holder, provider, id, { verified: cumulativeOwed });
  }

  /** The person confirmed signing a voucher for `amount`. */
  approve(holder: Address, provider: Address, id: bigint, amount: bigint): void {
    this.update(holder, provider, id, { approved: amount });
  }

  private update(holder: Address, provider: Address, id: bigint, change: Backing): void {
    const key = keyOf(holder, provider, id);
    this.accounts.set(key, { ...this.accounts.get(key), ...change });
  }
}

/** The page's book: one per page, as the vouchers' schemes are. */
export const voucherBook = new VoucherBook();

/**
 * `sign`, limited to vouchers this page has seen backed: a voucher for more
 * than `book`'s verified total (or, with none, `readSettled`'s amount), and
 * more than the person approved, is not signed and throws UnbackedVoucher.
 */
export function backedSigner(
  sign: SignTypedData,
  book: VoucherBook,
  readSettled: (holder: Address, provider: Address, id: bigint) => Promise<bigint>,
): SignTypedData {
  return async (args) => {
    if (args.primaryType !== "Voucher") throw new Error("The app signs only AAT vouchers for the provider.");
    const { holder, provider, id, cumulativeAmount } = args.message as {
      holder: Address;
      provider: Address;
      id: bigint;
      cumulativeAmount: bigint;
    };
    const { verified, approved } = book.get(holder, provider, id);
    const seen = verified ?? (await readSettled(holder, provider, id));
    const limit = approved !== undefined && approved > seen ? approved : seen;
    if (cumulativeAmount > limit) throw new UnbackedVoucher(holder, provider, id, cumulativeAmount, seen);
    return sign(args);
  };
}

function keyOf(holder: Address, provider: Address, id: bigint): string {
  return `${holder.toLowerCase()}:${provider.toLowerCase()}:${id}`;
}
