//! The README's main job runs the whole story with every expectation met.

use std::process::Command;

#[test]
fn the_demo_tells_the_whole_story_as_expected() {
    let out = Command::new(env!("CARGO_BIN_EXE_aat-demo"))
        .args(["--port", "0", "--gateway-port", "0"])
        .env_remove("UPSTREAM_URL")
        .output()
        .expect("the demo runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the demo failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for expected in [
        "deploys TokenAI",
        "mints 1,000 CS101 credits to Ada",
        "TokenNotTradable",
        "buys 2,000 tradable GIFT credits",
        "(streamed)",
        "pays Agent Bob's endpoint",
        "signs an order, 100 GIFT for 100 LLAMA",
        "takes the relay's quote: 100 GIFT for 100 LLAMA",
        "buys 1,000 LLAMA for 0.4000 TAI",
        "asks \"Classify these 20 support tickets",
        "settleBatch, one per model",
        "reclaims Grace's unused CS101 credits",
        "Who holds what, at the end",
        "steps as the story expects",
        "The chain's clock is at wall time",
    ] {
        assert!(
            stdout.contains(expected),
            "'{expected}' missing from:\n{stdout}"
        );
    }
    // Within a minute of the wall, after 91 days of story.
    let drift: i64 = stdout
        .split("The chain's clock is at wall time (")
        .nth(1)
        .and_then(|rest| rest.split(" s)").next())
        .and_then(|n| n.trim_start_matches('+').parse().ok())
        .expect("the clock's drift is printed");
    assert!(drift.abs() <= 60, "{drift} s from wall time");
}
