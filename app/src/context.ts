// The loaded config, for every view.
import { createContext, useContext } from "react";
import type { AppConfig } from "./config";

export const ConfigContext = createContext<AppConfig | null>(null);

export function useAppConfig(): AppConfig {
  const config = useContext(ConfigContext);
  if (!config) throw new Error("useAppConfig outside the app");
  return config;
}
