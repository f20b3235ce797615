// The app's frame: a header with the wallet, one link per view, and the
// view the location's hash names (each view is its own chunk, loaded when
// first opened, so the first load stays small).
import { Component, lazy, type ReactNode, startTransition, Suspense, useEffect, useRef, useState } from "react";
import { WalletButton, WalletGate } from "./components/Wallet";

/** The views, each answering one person's question. */
export const VIEWS = [
  { path: "credits", label: "My credits", component: lazy(() => import("./views/Credits")) },
  { path: "buy", label: "Buy", component: lazy(() => import("./views/Buy")) },
  { path: "chat", label: "Chat", component: lazy(() => import("./views/Chat")) },
  { path: "market", label: "Market", component: lazy(() => import("./views/Market")) },
  { path: "issue", label: "Issue credits", component: lazy(() => import("./views/Issue")) },
  { path: "institution", label: "My institution", component: lazy(() => import("./views/Institution")) },
] as const;

function currentPath(): string {
  const path = window.location.hash.replace(/^#\/?/, "").split("?")[0];
  return VIEWS.some((v) => v.path === path) ? path : VIEWS[0].path;
}

export function App() {
  const [path, setPath] = useState(currentPath);
  useEffect(() => {
    // In a transition: the view on screen stays until the next one has
    // loaded, instead of a "Loading…" flash and React's delay after it.
    const onHash = () => startTransition(() => setPath(currentPath()));
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);
  const view = VIEWS.find((v) => v.path === path) ?? VIEWS[0];
  const View = view.component;
  useEffect(() => {
    document.title = `${view.label} · AI Access Rails`;
  }, [view.label]);
  // After a change of view (not on the first load), the focus moves to its
  // heading: a screen reader announces where the link led, and the keyboard
  // goes on from the top of the new view.
  const heading = useRef<HTMLHeadingElement>(null);
  const shownPath = useRef(path);
  useEffect(() => {
    if (shownPath.current === path) return;
    shownPath.current = path;
    heading.current?.focus();
  }, [path]);
  return (
    <>
      <header className="top">
        <a className="brand" href="#/credits">
          AI Access Rails
        </a>
        <nav aria-label="Views">
          <ul>
            {VIEWS.map((v) => (
              <li key={v.path}>
                <a href={`#/${v.path}`} aria-current={v.path === path ? "page" : undefined}>
                  {v.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <WalletButton />
      </header>
      <main>
        <h1 ref={heading} tabIndex={-1}>
          {view.label}
        </h1>
        <WalletGate>
          <ViewBoundary key={view.path}>
            <Suspense fallback={<p role="status">Loading…</p>}>
              <View />
            </Suspense>
          </ViewBoundary>
        </WalletGate>
      </main>
    </>
  );
}

/**
 * A view that cannot load or throws while drawing says so in words, and the
 * rest of the app stays usable. The usual cause is a new deployment of the
 * app replacing the view's file while this page was open.
 */
class ViewBoundary extends Component<{ children: ReactNode }, { failed?: string }> {
  state: { failed?: string } = {};

  static getDerivedStateFromError(error: unknown) {
    return { failed: error instanceof Error ? error.message : String(error) };
  }

  render() {
    if (this.state.failed === undefined) return this.props.children;
    return (
      <section className="card" role="alert">
        <h2>This view could not be shown</h2>
        <p>The app may have been updated since this page was opened. Reload the page to get the new version.</p>
        <p className="hint">{this.state.failed}</p>
        <button type="button" onClick={() => window.location.reload()}>
          Reload
        </button>
      </section>
    );
  }
}
