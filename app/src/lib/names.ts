// Names for addresses, when the hosting config.json offers them: the demo's
// file lists its parties (`accounts: [{name, address}]`), so a holder reads
// "University can reclaim it" instead of an address. Only a hint: an
// institution's own config may have no names, and then addresses show.
import { useCallback, useMemo } from "react";
import type { Address } from "viem";
import { useAppConfig } from "../context";

/** `nameOf(address)`: the config's name for it, or undefined. */
export function useAddressNames() {
  const { accounts } = useAppConfig();
  const names = useMemo(() => new Map(accounts.map((a) => [a.address.toLowerCase(), a.name])), [accounts]);
  const nameOf = useCallback((address: Address) => names.get(address.toLowerCase()), [names]);
  return { nameOf };
}
