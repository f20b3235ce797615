// AAT from TypeScript with viem, using nothing but the generated ABI
// (abi/AAT.json): read a token id's policy, open a payment channel, sign a
// usage voucher with signTypedData, settle it as the provider, and read a
// refusal's custom error with its named arguments.
//
// Against the demo's chain:
//   scripts/demo --keep --write-env /tmp/aat.json &
//   AAT_DEMO_ENV=/tmp/aat.json npm start
// or name everything: RPC_URL, AAT, TOKEN_ID, HOLDER_KEY, PROVIDER_KEY.

import { readFileSync } from "node:fs";
import {
  type Abi,
  type Address,
  type Hex,
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  defineChain,
  hashTypedData,
  http,
  parseEventLogs,
  recoverTypedDataAddress,
  zeroAddress,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";

const aatAbi = JSON.parse(
  readFileSync(new URL("../../../abi/AAT.json", import.meta.url), "utf8"),
) as Abi;

function settings() {
  if (process.env.AAT_DEMO_ENV) {
    const env = JSON.parse(readFileSync(process.env.AAT_DEMO_ENV, "utf8"));
    return {
      rpcUrl: env.rpcUrl as string,
      aat: env.aat as Address,
      id: BigInt(env.ids.GIFT),
      holderKey: env.holderKey as Hex,
      providerKey: env.freeKey as Hex,
    };
  }
  const need = (name: string) => {
    const value = process.env[name];
    if (!value) throw new Error(`set ${name} (or AAT_DEMO_ENV)`);
    return value;
  };
  return {
    rpcUrl: need("RPC_URL"),
    aat: need("AAT") as Address,
    id: BigInt(need("TOKEN_ID")),
    holderKey: need("HOLDER_KEY") as Hex,
    providerKey: need("PROVIDER_KEY") as Hex,
  };
}

function check(ok: boolean, what: string) {
  if (!ok) throw new Error(`expected: ${what}`);
  console.log(`  ✓ ${what}`);
}

const voucherTypes = {
  Voucher: [
    { name: "holder", type: "address" },
    { name: "provider", type: "address" },
    { name: "id", type: "uint256" },
    { name: "cumulativeAmount", type: "uint256" },
    { name: "deadline", type: "uint64" },
  ],
} as const;

async function main() {
  const s = settings();
  const transport = http(s.rpcUrl);
  const chainId = await createPublicClient({ transport }).getChainId();
  const chain = defineChain({
    id: chainId,
    name: "devnode",
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [s.rpcUrl] } },
  });
  const client = createPublicClient({ chain, transport });
  const holder = privateKeyToAccount(s.holderKey);
  const provider = privateKeyToAccount(s.providerKey);
  const asHolder = createWalletClient({ account: holder, chain, transport });
  const asProvider = createWalletClient({ account: provider, chain, transport });
  const aat = { address: s.aat, abi: aatAbi } as const;

  console.log(`AAT ${s.aat} on chain ${chainId}; holder ${holder.address}, provider ${provider.address}`);

  // 1. The policy the id stands for, and what the holder has.
  const [model, scope, expiration, originPool, reclaimable, tradable] = (await client.readContract({
    ...aat,
    functionName: "tokenConfig",
    args: [s.id],
  })) as [Hex, Hex, bigint, Address, boolean, boolean];
  const balance = (await client.readContract({ ...aat, functionName: "balanceOf", args: [holder.address, s.id] })) as bigint;
  console.log(
    `1. id ${s.id.toString(16).slice(0, 12)}…: model ${Buffer.from(model.slice(2), "hex").toString().replace(/\0+$/, "")}, ` +
      `pool ${originPool}, expires ${expiration === 0n ? "never" : expiration}, reclaimable ${reclaimable}, tradable ${tradable}; holder has ${balance}`,
  );
  check(balance >= 100n, "the holder has units to lock");

  // 2. A channel: 50 units locked for the provider for a week.
  const now = (await client.getBlock()).timestamp;
  const opened = await client.waitForTransactionReceipt({
    hash: await asHolder.writeContract({ ...aat, functionName: "openChannel", args: [provider.address, s.id, 50n, now + 7n * 86400n, zeroAddress] }),
  });
  const [channelOpened] = parseEventLogs({ abi: aatAbi, logs: opened.logs, eventName: "ChannelOpened" });
  check(opened.status === "success" && channelOpened !== undefined, `ChannelOpened (gas ${opened.gasUsed})`);
  const [lockedBefore] = (await client.readContract({
    ...aat,
    functionName: "channelOf",
    args: [holder.address, provider.address, s.id],
  })) as [bigint, bigint, Address];

  // 3. A voucher for 20 units more than is settled, signed as typed data in
  //    the domain the contract reports (ERC-5267).
  const [, name, version, domainChainId, verifyingContract] = (await client.readContract({
    ...aat,
    functionName: "eip712Domain",
  })) as [Hex, string, string, bigint, Address, Hex, bigint[]];
  const domain = { name, version, chainId: Number(domainChainId), verifyingContract };
  const settled = (await client.readContract({
    ...aat,
    functionName: "settledAmount",
    args: [holder.address, provider.address, s.id],
  })) as bigint;
  const voucher = {
    holder: holder.address,
    provider: provider.address,
    id: s.id,
    cumulativeAmount: settled + 20n,
    deadline: now + 3600n,
  };
  const signature = await asHolder.signTypedData({ domain, types: voucherTypes, primaryType: "Voucher", message: voucher });
  const digest = (await client.readContract({ ...aat, functionName: "hashVoucher", args: [voucher] })) as Hex;
  check(digest === hashTypedData({ domain, types: voucherTypes, primaryType: "Voucher", message: voucher }), "hashVoucher equals viem's hashTypedData");
  check(
    (await recoverTypedDataAddress({ domain, types: voucherTypes, primaryType: "Voucher", message: voucher, signature })) === holder.address,
    "the signature recovers to the holder",
  );

  // 4. The provider settles it (a batch of one) and reads what happened.
  const settledTx = await client.waitForTransactionReceipt({
    hash: await asProvider.writeContract({ ...aat, functionName: "settleBatch", args: [[voucher], [signature], model, scope] }),
  });
  const [event] = parseEventLogs({ abi: aatAbi, logs: settledTx.logs, eventName: "VoucherSettled" }) as unknown as {
    args: { cumulativeAmount: bigint; consumed: bigint; fee: bigint };
  }[];
  check(event !== undefined && event.args.consumed === 20n, `VoucherSettled: 20 units, fee ${event?.args.fee} (gas ${settledTx.gasUsed})`);
  const [lockedAfter] = (await client.readContract({
    ...aat,
    functionName: "channelOf",
    args: [holder.address, provider.address, s.id],
  })) as [bigint, bigint, Address];
  check(lockedAfter === lockedBefore - 20n - event.args.fee, `the units came from the channel (${lockedBefore} → ${lockedAfter})`);

  // 5. Settling a tampered voucher: the contract's custom error, decoded by
  //    viem from the ABI with its named arguments.
  try {
    await client.simulateContract({
      ...aat,
      account: provider,
      functionName: "settle",
      args: [{ ...voucher, cumulativeAmount: voucher.cumulativeAmount + 1n }, signature, model, scope],
    });
    check(false, "a tampered voucher is refused");
  } catch (err) {
    const revert = err instanceof BaseError ? err.walk((e) => e instanceof ContractFunctionRevertedError) : null;
    const data = revert instanceof ContractFunctionRevertedError ? revert.data : undefined;
    check(data?.errorName === "InvalidVoucherSignature", `a tampered voucher is refused: ${data?.errorName}(holder: ${(data?.args as unknown[] | undefined)?.[0]})`);
  }
  console.log("viem example: all steps as expected");
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
