// An AAT id computed as the contract computes it (spec/IAAT.sol): the id of
// a policy is known before anything is minted, so a form can show it live.
//   id = uint256(keccak256(abi.encode(keccak256("AAT.v1"), originPool, model, scope, expiration, reclaimable, tradable)))
import { type Hex, encodeAbiParameters, keccak256, stringToHex } from "viem";
import type { Policy } from "./policy";

const DOMAIN = keccak256(stringToHex("AAT.v1"));

export function computeTokenId(policy: Policy): bigint {
  const encoded = encodeAbiParameters(
    [
      { type: "bytes32" },
      { type: "address" },
      { type: "bytes16" },
      { type: "bytes16" },
      { type: "uint64" },
      { type: "bool" },
      { type: "bool" },
    ],
    [DOMAIN, policy.originPool, policy.model, policy.scope, policy.expiration, policy.reclaimable, policy.tradable],
  );
  return BigInt(keccak256(encoded));
}

/** An id as 0x and 64 hex digits, the way explorers and the demo print it. */
export function idHex(id: bigint): Hex {
  return `0x${id.toString(16).padStart(64, "0")}`;
}
